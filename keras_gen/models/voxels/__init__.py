"""Families of voxel grids `(depth, height, width, channels)`."""

from keras_gen.models.voxels.voxel_gan import VoxelGAN

__all__ = ["VoxelGAN"]
