"""gutbrain.model: the microbiota-gut-brain axis simulator.

A research and teaching instrument; its outputs are not medical advice.
"""

from gutbrain.model import _jit_cache as _jit_cache
