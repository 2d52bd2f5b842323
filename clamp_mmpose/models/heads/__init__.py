from .clamp_head import CLAMPHead, CLAMPOutputs

__all__ = ['CLAMPHead', 'CLAMPOutputs']
