"""Stage 4, publishing: the build that writes the output folder, and the preview server."""
