# Sourced by the scripts: offline terraform settings when a provider mirror exists on this
# machine (folder holding registry.terraform.io/hashicorp/aws). Otherwise terraform uses the
# registry as usual. Providers are cached in ~/.cache/edac/terraform-plugins either way.
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0
_edac_cache="${XDG_CACHE_HOME:-$HOME/.cache}/edac"
mkdir -p "$_edac_cache/terraform-plugins"
_edac_mirror="${EDAC_TF_MIRROR:-}"
if [ -z "$_edac_mirror" ]; then
  for candidate in /opt/tf-plugins /usr/share/terraform/plugins "$HOME/.terraform.d/plugins"; do
    if [ -d "$candidate/registry.terraform.io/hashicorp/aws" ]; then _edac_mirror=$candidate; break; fi
  done
fi
if [ -n "$_edac_mirror" ]; then
  cat > "$_edac_cache/terraformrc" <<RC
plugin_cache_dir = "$_edac_cache/terraform-plugins"
provider_installation {
  filesystem_mirror {
    path    = "$_edac_mirror"
    include = ["registry.terraform.io/hashicorp/*"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/*"]
  }
}
RC
else
  printf 'plugin_cache_dir = "%s"\n' "$_edac_cache/terraform-plugins" > "$_edac_cache/terraformrc"
fi
export TF_CLI_CONFIG_FILE="$_edac_cache/terraformrc"
export EDAC_TF_MIRROR="$_edac_mirror"
