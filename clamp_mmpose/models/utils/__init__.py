from .clip_weights import (CLIPWeightsError, load_clip_state_dict, load_clip_tower,
                           resolve_clip_config)
from .context_decoder import ContextDecoder
from .keypoint_language import (authors_keypoint_cells, gather_keypoint_features,
                                keypoint_cells, keypoint_score_maps,
                                keypoints_from_target_heatmaps, prompt_contrastive_logits)
from .prompt_encoder import PromptEncoder
from .prompt_text_encoder import PromptTextEncoder

__all__ = [
    'CLIPWeightsError', 'load_clip_state_dict', 'load_clip_tower', 'resolve_clip_config',
    'ContextDecoder', 'PromptEncoder', 'PromptTextEncoder', 'keypoint_score_maps',
    'keypoint_cells', 'authors_keypoint_cells', 'gather_keypoint_features',
    'prompt_contrastive_logits', 'keypoints_from_target_heatmaps'
]
