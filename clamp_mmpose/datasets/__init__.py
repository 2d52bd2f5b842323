from .synthetic_animals import generate_synthetic_ap10k

__all__ = ['generate_synthetic_ap10k']
