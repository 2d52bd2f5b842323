from .clamp_optim_wrapper_constructor import CLAMPOptimWrapperConstructor

__all__ = ['CLAMPOptimWrapperConstructor']
