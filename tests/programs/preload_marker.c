/* preload_marker — a harmless library that a test puts in LD_PRELOAD before calling `interprobe
 * run`, to see that the user's own preload is still loaded after the probe is prepended. */
int preload_marker_loaded = 1;
