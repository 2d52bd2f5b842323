from .prompt_contrastive_loss import PromptContrastiveLoss

__all__ = ['PromptContrastiveLoss']
