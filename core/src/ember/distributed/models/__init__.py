"""Computation models: serial, native ``torch.distributed``, and the interface plugins implement.

Example:
    >>> from ember.distributed.models import ComputationModel, NativeModel, SerialModel
    >>> [cls.name for cls in (SerialModel, NativeModel)]
    ['serial', 'native-dist']
"""

from ember.distributed.models.base import ComputationModel
from ember.distributed.models.native import NativeModel
from ember.distributed.models.serial import SerialModel

__all__ = ["ComputationModel", "NativeModel", "SerialModel"]
