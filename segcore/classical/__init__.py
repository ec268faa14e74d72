"""Classical segmentation: thresholds, regions, clustering and graph cuts."""
