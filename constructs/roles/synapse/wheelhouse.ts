/**
 * The native Synapse host's Python packages: Synapse at the product's release (SYNAPSE_VERSION),
 * with the redis extra and
 * synapse-s3-storage-provider at the playbook's matrix_synapse_ext_synapse_s3_storage_provider_version,
 * and their whole dependency closure pinned, for Debian 12's Python 3.11. They install with
 * `pip --no-deps`: this list is the lock. Two deliberate differences from what pip would
 * resolve: psycopg2-binary stands in for psycopg2 (the same module, as a wheel: no compiler
 * on the host), which synapse-s3-storage-provider names only for its s3_media_upload script.
 * tools/bundle refuses a wheelhouse whose download pulls in anything this list does not pin.
 */
/**
 * The one Synapse release every install path runs: the native host, the proof of concept's
 * image, and matrix-docker-ansible-deploy (vars.yml sets matrix_synapse_version to it). It is
 * newer than the playbook's own pin at MDAD_CHECKED_AT (1.159.0) because 1.159 and 1.160 can
 * block a room for good after a database failover: an event whose persistence the failover
 * cut leaves its row in state_groups_persisting, and every later send in that room fails on
 * it (HTTP 500) until the event persister restarts. 1.161.0 fixed it (element-hq/synapse#20148).
 */
export const SYNAPSE_VERSION = "1.163.2";
export const S3_STORAGE_PROVIDER_VERSION = "1.7.0";

export const SYNAPSE_REQUIREMENTS = [
  "annotated-types==0.8.0",
  "attrs==26.1.0",
  "automat==25.4.16",
  "bcrypt==5.0.0",
  "bleach==6.4.0",
  "boto3==1.44.8",
  "botocore==1.44.8",
  "canonicaljson==2.0.0",
  "certifi==2026.10.19.post1",
  "cffi==2.1.1",
  "charset-normalizer==3.5.3",
  "constantly==23.10.4",
  "cryptography==50.0.2",
  "hiredis==3.5.0",
  "humanize==4.17.0",
  "hyperlink==21.0.0",
  "idna==3.20",
  "ijson==3.6.0",
  "immutabledict==4.3.1",
  "incremental==24.11.0",
  "jinja2==3.1.6",
  "jmespath==1.1.0",
  "jsonschema==4.26.0",
  "jsonschema-specifications==2025.9.1",
  "markupsafe==3.0.4",
  "matrix-common==1.3.0",
  `matrix-synapse==${SYNAPSE_VERSION}`,
  "msgpack==1.2.4",
  "multipart==2.0.1",
  "netaddr==1.3.0",
  "packaging==26.4",
  "phonenumbers==9.0.43",
  "pillow==13.0.0",
  "prometheus-client==0.26.0",
  "psycopg2-binary==2.9.13",
  "pyasn1==0.6.5",
  "pyasn1-modules==0.4.2",
  "pycparser==3.12",
  "pydantic==2.14.4",
  "pydantic-core==2.50.5",
  "pymacaroons==0.13.0",
  "pynacl==1.6.2",
  "pyopenssl==26.4.0",
  "pyparsing==3.3.3",
  "pyrsistent==0.20.0",
  "python-dateutil==2.9.0.post0",
  "python-multipart==0.0.34",
  "pyyaml==6.0.4",
  "referencing==0.37.0",
  "requests==2.34.2",
  "rpds-py==2026.9.1",
  "s3transfer==0.19.3",
  "semantic-version==2.10.0",
  "service-identity==26.1.0",
  "setuptools==84.2.1",
  "setuptools-rust==1.13.0",
  "signedjson==1.1.4",
  "six==1.17.0",
  "sortedcontainers==2.4.0",
  `synapse-s3-storage-provider==${S3_STORAGE_PROVIDER_VERSION}`,
  "tqdm==4.70.1",
  "treq==26.7.0",
  "twisted==26.10.0",
  // 1.5 and later break Synapse's Redis client factory (startedConnecting; seen with 1.159).
  "txredisapi==1.4.12",
  "typing-extensions==4.16.0",
  "typing-inspection==0.4.5",
  "unpaddedbase64==2.1.0",
  "urllib3==2.8.0",
  "webencodings==0.6.1",
  "zope-interface==8.7",
] as const;

/**
 * The playbook's customized Synapse image installs the S3 storage provider with pip. In the
 * air gap it installs it from these wheels (the bundle carries them): the provider and what
 * it needs beyond the image's own Synapse (psycopg2, PyYAML and Twisted are there already),
 * all pure Python, so any Python of the image takes them. Pins shared with the native list.
 */
const IMAGE_WHEEL_NAMES = ["synapse-s3-storage-provider", "boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3", "humanize", "tqdm"];
export const S3_PROVIDER_IMAGE_REQUIREMENTS: readonly string[] = SYNAPSE_REQUIREMENTS.filter((r) => IMAGE_WHEEL_NAMES.includes(r.split("==")[0]));
