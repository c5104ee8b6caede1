/* plugin_base.c — libplugin_base.so, a dependency of libplugin_loader.so: the plugin_layer that
 * dlsym(RTLD_NEXT) finds from the loader (plugin_loader.c). */
const char *plugin_layer(void) { return "base"; }
