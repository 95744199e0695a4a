/**
 * How the provisioner runs matrix-docker-ansible-deploy on the Synapse host: locally
 * (`--connection=local`, the host is its own controller), as the playbook's install guide
 * does it, with Ansible in its own virtualenv.
 */

/** Where the generated inventory lives on the Synapse host. */
export const INVENTORY_DIR = "/opt/matrix-platform/inventory";
/** The playbook checkout, with its Galaxy roles under roles/galaxy. */
export const PLAYBOOK_DIR = "/opt/matrix-platform/playbook";
/** The build context of the playbook's customized Synapse image (matrix_synapse_customized_container_src_files_path). */
export const IMAGE_BUILD_CONTEXT = "/matrix/synapse/customized-docker-src";
/** The virtualenv Ansible runs from. */
export const ANSIBLE_VENV = "/opt/matrix-platform/ansible";

/** Upstream of the pinned commit, for hosts that fetch it themselves (no bundle). */
export const MDAD_REPOSITORY = "https://github.com/spantaleev/matrix-docker-ansible-deploy.git";

/**
 * `setup-all` (not `install-all`) so a run after a change also removes what the change
 * turned off (fewer workers, a component disabled); then the users the playbook manages,
 * then start. Every run is idempotent.
 */
export const PLAYBOOK_TAGS = ["setup-all", "ensure-matrix-users-created", "start"] as const;

/**
 * The `ansible` package (ansible-core plus the community collections the playbook's roles
 * call, such as community.docker) with its whole dependency closure pinned, so the bundle's
 * wheelhouse and an online install are the same set. Debian 12's ansible-core 2.14 is older
 * than the playbook's tested floor (2.15.1); ansible-core 2.19 still runs on Debian 12's
 * Python 3.11 (2.20 needs 3.12).
 */
export const ANSIBLE_CORE_VERSION = "2.19.14";
export const ANSIBLE_REQUIREMENTS = [
  "ansible==12.3.0",
  `ansible-core==${ANSIBLE_CORE_VERSION}`,
  "cffi==2.1.1",
  "cryptography==50.0.2",
  "jinja2==3.1.6",
  "markupsafe==3.0.4",
  "packaging==26.4",
  "pycparser==3.12",
  "pyyaml==6.0.4",
  "resolvelib==1.2.1",
] as const;
