"""auto_model, auto_optim, auto_dataloader and DistributedProxySampler.

In one process the helpers leave things as a plain PyTorch program would have them. Two gloo
processes (``distributed_auto_script.py``, launched once for the module) train a linear model with
the helpers; the oracle is a plain PyTorch loop in this process over the full batches, whose final
weights and last-epoch mean absolute error the two processes must reproduce.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from distributed_auto_script import BATCH_SIZE, EPOCHS, LR, WORLD, make_data, make_model, run
from distributed_script import load_ranks
from hypothesis import given
from hypothesis import strategies as st
from torch import nn
from torch.utils.data import DataLoader, RandomSampler, SequentialSampler
from torch.utils.data.distributed import DistributedSampler

import ember.distributed as idist
from ember.distributed import auto

# ------------------------------------------------------------------ serial


def test_auto_model_returns_the_same_module_in_one_process() -> None:
    linear = nn.Linear(4, 2)
    model = idist.auto_model(linear)
    assert model is linear
    assert all(p.device == idist.device() for p in model.parameters())


def test_auto_optim_returns_the_optimizer_itself() -> None:
    sgd = torch.optim.SGD(nn.Linear(2, 1).parameters(), lr=0.1)
    assert idist.auto_optim(sgd) is sgd


def test_auto_dataloader_in_one_process_is_a_plain_dataloader() -> None:
    data = list(range(10))
    loader = idist.auto_dataloader(data, batch_size=4, shuffle=False)
    assert type(loader) is DataLoader
    assert loader.batch_size == 4
    assert isinstance(loader.sampler, SequentialSampler)
    assert [b.tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert loader.pin_memory is (idist.device().type == "cuda")


@pytest.fixture
def two_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rank 1 of 2 on one node, as auto_dataloader sees it (no process group is needed)."""
    monkeypatch.setattr(auto.idist, "get_world_size", lambda: 2)
    monkeypatch.setattr(auto.idist, "get_rank", lambda: 1)
    monkeypatch.setattr(auto.idist, "get_nproc_per_node", lambda: 2)


@pytest.mark.usefixtures("two_processes")
def test_auto_dataloader_shares_batch_size_workers_and_data() -> None:
    loader = idist.auto_dataloader(list(range(10)), batch_size=4, num_workers=3, shuffle=False)
    assert (loader.batch_size, loader.num_workers) == (2, 2)
    sampler = loader.sampler
    assert isinstance(sampler, DistributedSampler)
    assert (sampler.num_replicas, sampler.rank, sampler.shuffle) == (2, 1, False)
    assert list(sampler) == list(range(10))[1::2]


@pytest.mark.usefixtures("two_processes")
def test_auto_dataloader_shuffles_by_default_like_ignite() -> None:
    sampler = idist.auto_dataloader(list(range(10)), batch_size=4).sampler
    assert isinstance(sampler, DistributedSampler)
    assert sampler.shuffle


@pytest.mark.usefixtures("two_processes")
def test_auto_dataloader_wraps_a_given_sampler_in_a_proxy() -> None:
    data = list(range(7))
    loader = idist.auto_dataloader(data, batch_size=4, sampler=SequentialSampler(data))
    assert isinstance(loader.sampler, idist.DistributedProxySampler)
    assert list(loader.sampler) == [1, 3, 5, 0]


@pytest.mark.usefixtures("two_processes")
def test_auto_dataloader_refuses_a_batch_size_below_the_world_size() -> None:
    with pytest.raises(ValueError, match=r"argument batch_size should be at least .* 2.*got 1"):
        idist.auto_dataloader(list(range(10)), batch_size=1)


@given(
    length=st.integers(min_value=1, max_value=40),
    num_replicas=st.integers(min_value=1, max_value=6),
)
def test_proxy_sampler_gives_each_rank_a_padded_slice(length: int, num_replicas: int) -> None:
    base = list(range(length))
    per_rank = -(-length // num_replicas)
    padded = (base * (num_replicas + 1))[: per_rank * num_replicas]
    shares = [
        list(
            idist.DistributedProxySampler(
                SequentialSampler(base), num_replicas=num_replicas, rank=r
            )
        )
        for r in range(num_replicas)
    ]
    assert shares == [padded[r::num_replicas] for r in range(num_replicas)]
    assert all(len(share) == per_rank for share in shares)


def test_proxy_sampler_ranks_agree_on_a_random_order_that_changes_with_the_epoch() -> None:
    base = RandomSampler(range(20))
    ranks = [idist.DistributedProxySampler(base, num_replicas=2, rank=r) for r in (0, 1)]
    shares = [list(s) for s in ranks]
    assert sorted(shares[0] + shares[1]) == list(range(20))  # disjoint and complete
    assert shares[0] == list(ranks[0])  # same epoch, same order
    before = torch.random.get_rng_state()
    for sampler in ranks:
        sampler.set_epoch(1)
    later = [list(s) for s in ranks]
    assert torch.equal(torch.random.get_rng_state(), before)  # global random state untouched
    assert sorted(later[0] + later[1]) == list(range(20))
    assert later != shares


def test_proxy_sampler_refuses_a_sampler_without_length_or_distributed() -> None:
    with pytest.raises(TypeError, match="already a DistributedSampler"):
        idist.DistributedProxySampler(DistributedSampler(range(4), num_replicas=1, rank=0))
    with pytest.raises(TypeError, match="should be a torch Sampler, got list"):
        idist.DistributedProxySampler([0, 1])  # type: ignore[arg-type]


# ------------------------------------------------------------------ two processes


@pytest.fixture(scope="module")
def ranks(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    out = tmp_path_factory.mktemp("auto")
    run(Path(out))
    results = load_ranks(out)
    assert len(results) == WORLD
    return results


def _single_process_oracle() -> tuple[dict[str, torch.Tensor], float]:
    """Plain PyTorch on the full batches: final weights and the last epoch's mean abs error."""
    dataset = make_data()
    model = make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    mae = 0.0
    for _ in range(EPOCHS):
        total, count = 0.0, 0
        for x, y in DataLoader(dataset, batch_size=BATCH_SIZE):
            optimizer.zero_grad()
            y_pred = model(x)
            nn.functional.mse_loss(y_pred, y).backward()
            optimizer.step()
            total += (y_pred.detach() - y).abs().double().sum().item()
            count += len(y)
        mae = total / count
    return dict(model.state_dict()), mae


@pytest.mark.slow
def test_two_processes_train_the_same_weights_as_one_on_full_batches(
    ranks: list[dict[str, Any]],
) -> None:
    weights, mae = _single_process_oracle()
    for rank, results in enumerate(ranks):
        assert results["weights"].keys() == weights.keys()
        for name, expected in weights.items():
            assert torch.allclose(results["weights"][name], expected, atol=1e-6), (rank, name)
        assert results["mae"] == pytest.approx(mae, abs=1e-6), rank


@pytest.mark.slow
def test_two_processes_get_ddp_and_a_shared_out_loader(ranks: list[dict[str, Any]]) -> None:
    data = list(range(len(make_data())))
    for rank, results in enumerate(ranks):
        assert results["model_type"] == "DistributedDataParallel"
        assert results["device_ids"] is None  # gloo on the CPU
        assert results["optimizer_unchanged"] is True
        assert results["batch_size"] == BATCH_SIZE // WORLD
        assert results["sampler"] == ("DistributedSampler", WORLD, rank, False)
        assert results["pin_memory"] is False
        assert results["proxy_sampler"] == "DistributedProxySampler"
        assert results["proxy_indices"] == data[rank::WORLD]
        assert results["default_proxy"] == ([0, 2, 4], [1, 3, 0])[rank]
        assert results["small_batch_error"] == (
            "auto_dataloader: argument batch_size should be at least the world size 2 "
            "(it is divided among the processes), got 1"
        )
