from .clip_image_encoder import CLIPImageEncoder, CLIPImageFeatures

__all__ = ['CLIPImageEncoder', 'CLIPImageFeatures']
