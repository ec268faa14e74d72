"""Deep segmentation models: upsampling, FCN, atrous convolution, Mask R-CNN."""
