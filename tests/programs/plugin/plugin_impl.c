/* plugin_impl.c — libplugin_impl.so, the plugin, in a plugins/ directory that only
 * libplugin_loader.so's DT_RUNPATH names (plugin_loader.c). */
int plugin_value(void) { return 42; }
