# Sourced by the scripts (after scripts/quickstart.sh made .venv): terraform's environment as
# edac runs it (edac.io.terraform, the one runner of the sandbox, the tests and the scripts):
# no prompts or checkpoint calls, one shared plugin cache, and on a machine without registry
# access a local provider mirror (a folder holding registry.terraform.io/hashicorp/aws) when
# there is one; the user's own CLI config when TF_CLI_CONFIG_FILE names a file that exists.
eval "$("$(dirname "${BASH_SOURCE[0]}")/../.venv/bin/python" -m edac.io.terraform env)"
