"""Builders of generators, discriminators, encoders and decoders."""

from keras_gen.networks.attributes import attribute_decoder, attribute_encoder
from keras_gen.networks.autoencoder import (
    conv_decoder,
    conv_encoder,
    latent_vae_networks,
    residual_blocks_at,
    top_down_network,
)
from keras_gen.networks.autoregressive import (
    gated_pixelcnn_network,
    pixelcnn_network,
    row_lstm_network,
)
from keras_gen.networks.conditioning import (
    LABEL_ENCODINGS,
    check_label_planes,
    check_num_classes,
    encode_labels,
    join_label_input,
    join_label_planes,
    label_input,
)
from keras_gen.networks.dcgan import (
    dcgan_discriminator,
    dcgan_generator,
    dcgan_networks,
    joint_discriminator,
    keras_book_discriminator,
    keras_book_generator,
    upsampling_plan,
)
from keras_gen.networks.image_to_image import (
    context_encoder_generator,
    patchgan_discriminator,
    resnet_generator,
    srresnet_generator,
    unet_generator,
)
from keras_gen.networks.laplacian import (
    gaussian_pyramid,
    lapgan_networks,
    lapgan_residual_discriminator,
    lapgan_residual_generator,
    laplacian_pyramid,
    largest_pyramid_levels,
    pyramid_down,
    pyramid_sizes,
    pyramid_up,
    reconstruct_from_pyramid,
)
from keras_gen.networks.mlp import mlp_discriminator, mlp_generator
from keras_gen.networks.volumes import (
    check_volume_shape,
    two_stream_video_generator,
    volume_discriminator,
    volume_generator,
    volume_plan,
)
from keras_gen.networks.precision import PinnedDTypePolicy, float32_pin, is_pinned
from keras_gen.networks.progressive import (
    ProgressiveDiscriminator,
    ProgressiveGenerator,
    growth_resolutions,
    progressive_networks,
    stage_filters,
)
from keras_gen.networks.stages import (
    check_image_shape,
    check_layers_per_stage,
    conv_stage,
    dense_block,
)
from keras_gen.networks.video_autoregressive import (
    video_context_network,
    video_frame_network,
    video_pixelcnn_networks,
)

__all__ = [
    "check_volume_shape",
    "two_stream_video_generator",
    "volume_discriminator",
    "volume_generator",
    "volume_plan",
    "LABEL_ENCODINGS",
    "PinnedDTypePolicy",
    "ProgressiveDiscriminator",
    "ProgressiveGenerator",
    "attribute_decoder",
    "attribute_encoder",
    "check_image_shape",
    "check_label_planes",
    "check_layers_per_stage",
    "check_num_classes",
    "context_encoder_generator",
    "conv_decoder",
    "conv_encoder",
    "conv_stage",
    "dcgan_discriminator",
    "dcgan_generator",
    "dcgan_networks",
    "dense_block",
    "encode_labels",
    "float32_pin",
    "gated_pixelcnn_network",
    "gaussian_pyramid",
    "growth_resolutions",
    "is_pinned",
    "join_label_input",
    "join_label_planes",
    "joint_discriminator",
    "keras_book_discriminator",
    "keras_book_generator",
    "label_input",
    "lapgan_networks",
    "lapgan_residual_discriminator",
    "lapgan_residual_generator",
    "laplacian_pyramid",
    "largest_pyramid_levels",
    "latent_vae_networks",
    "mlp_discriminator",
    "mlp_generator",
    "patchgan_discriminator",
    "pixelcnn_network",
    "progressive_networks",
    "pyramid_down",
    "pyramid_sizes",
    "pyramid_up",
    "reconstruct_from_pyramid",
    "residual_blocks_at",
    "resnet_generator",
    "row_lstm_network",
    "srresnet_generator",
    "stage_filters",
    "top_down_network",
    "unet_generator",
    "upsampling_plan",
    "video_context_network",
    "video_frame_network",
    "video_pixelcnn_networks",
]
