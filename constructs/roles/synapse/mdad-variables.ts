/**
 * matrix-docker-ansible-deploy variables the generated vars.yml may set: each name was
 * found as a role default (`^name:`) upstream, at the commit below, with the file it is
 * defined in. A name not listed here fails test/render.test.ts: check it upstream, then
 * add it with its file. (Renamed variables fail the playbook's own validation, e.g.
 * matrix_synapse_admin_* became matrix_ketesa_* in v2026.04.03.0.)
 */
export const MDAD_CHECKED_AT = {
  commit: "c0681e4bc2d55df19056f3d3a7b997f9e7335890",
  date: "2026-08-22",
  migrationVersion: "v2026.05.18.0",
  /**
   * roles/custom/matrix-synapse/defaults/main.yml, matrix_synapse_version at that commit: the
   * bundle builder recognizes the checked playbook by it. What runs is SYNAPSE_VERSION, which
   * vars.yml sets.
   */
  synapseVersion: "1.159.0",
} as const;

const MB = "roles/custom/matrix-base/defaults/main.yml";
const SY = "roles/custom/matrix-synapse/defaults/main.yml";
const GV = "group_vars/matrix_servers";
const STATIC = "roles/custom/matrix-static-files/defaults/main.yml";
const ELEMENT = "roles/custom/matrix-client-element/defaults/main.yml";
const TRAEFIK = "ansible-role-traefik defaults/main.yml (checked at v3.7.6-0)";

export const MDAD_VARIABLES: Readonly<Record<string, string>> = {
  matrix_playbook_migration_validated_version: "roles/custom/matrix_playbook_migration/defaults/main.yml",
  matrix_playbook_reverse_proxy_type: MB,
  matrix_playbook_ssl_enabled: MB,
  matrix_playbook_docker_installation_enabled: GV,
  // A default of the Galaxy role docker_sdk_for_python; setup.yml runs that role `when:` it is true.
  devture_docker_sdk_for_python_installation_enabled: "setup.yml (when: of role galaxy/docker_sdk_for_python)",
  matrix_container_global_registry_prefix_override: MB,
  matrix_domain: MB,
  matrix_server_fqn_matrix: MB,
  matrix_homeserver_implementation: MB,
  matrix_homeserver_generic_secret_key: MB,
  matrix_homeserver_federation_enabled: MB,
  postgres_enabled: "ansible-role-postgres defaults/main.yml",
  matrix_synapse_database_host: SY,
  matrix_synapse_database_port: SY,
  matrix_synapse_database_user: SY,
  matrix_synapse_database_password: SY,
  matrix_synapse_database_database: SY,
  matrix_synapse_database_cp_min: SY,
  matrix_synapse_database_cp_max: SY,
  matrix_synapse_workers_enabled: SY,
  matrix_synapse_workers_preset: SY,
  matrix_synapse_workers_sync_workers_count: SY,
  matrix_synapse_workers_client_reader_workers_count: SY,
  matrix_synapse_workers_generic_workers_count: SY,
  matrix_synapse_workers_federation_sender_workers_count: SY,
  matrix_synapse_workers_stream_writer_events_stream_workers_count: SY,
  coturn_enabled: "ansible-role-coturn defaults/main.yml",
  matrix_synapse_turn_uris: SY,
  matrix_synapse_turn_shared_secret: SY,
  matrix_synapse_turn_allow_guests: SY,
  matrix_synapse_metrics_enabled: SY,
  matrix_metrics_exposure_enabled: MB,
  matrix_server_fqn_element: MB,
  matrix_synapse_enable_registration: SY,
  matrix_synapse_registration_requires_token: SY,
  matrix_user_creator_users_additional: "roles/custom/matrix-user-creator/defaults/main.yml",
  matrix_client_element_enabled: ELEMENT,
  matrix_client_element_brand: ELEMENT,
  matrix_client_element_branding_auth_header_logo_url: ELEMENT,
  matrix_client_element_setting_defaults_custom_themes: ELEMENT,
  matrix_client_element_default_theme: ELEMENT,
  matrix_synapse_version: SY,
  matrix_synapse_ext_synapse_s3_storage_provider_enabled: SY,
  matrix_synapse_ext_synapse_s3_storage_provider_config_bucket: SY,
  matrix_synapse_ext_synapse_s3_storage_provider_config_region_name: SY,
  matrix_synapse_ext_synapse_s3_storage_provider_config_endpoint_url: SY,
  matrix_synapse_ext_synapse_s3_storage_provider_config_access_key_id: SY,
  matrix_synapse_ext_synapse_s3_storage_provider_config_secret_access_key: SY,
  matrix_synapse_ext_synapse_s3_storage_provider_store_local: SY,
  matrix_synapse_ext_synapse_s3_storage_provider_update_db_day_count: SY,
  matrix_synapse_matrix_rtc_transports_livekit_url: SY,
  matrix_synapse_experimental_features_msc4222_enabled: SY,
  matrix_synapse_experimental_features_msc4354_enabled: SY,
  matrix_synapse_delayed_events_enabled: SY,
  matrix_static_files_file_matrix_client_property_org_matrix_msc4143_rtc_foci_enabled: STATIC,
  matrix_static_files_file_matrix_client_property_org_matrix_msc4143_rtc_foci_custom: STATIC,
  matrix_synapse_federation_port_openid_resource_required: SY,
  matrix_synapse_ext_synapse_s3_storage_provider_version: SY,
  matrix_synapse_container_image_customizations_enabled: SY,
  matrix_synapse_container_image_customizations_s3_storage_provider_installation_enabled: SY,
  matrix_synapse_container_image_customizations_dockerfile_body_custom: SY,
  matrix_client_element_features_feature_video_rooms: ELEMENT,
  matrix_client_element_features_feature_group_calls: ELEMENT,
  matrix_client_element_features_feature_element_call_video_rooms: ELEMENT,
  matrix_ketesa_enabled: "roles/custom/matrix-ketesa/defaults/main.yml",
  matrix_ketesa_container_labels_traefik_ipallowlist_sourcerange: "roles/custom/matrix-ketesa/defaults/main.yml",
  traefik_config_entrypoint_web_secure_enabled: TRAEFIK,
  traefik_container_web_host_bind_port: TRAEFIK,
  traefik_config_entrypoint_web_forwardedHeaders_trustedIPs: TRAEFIK,
  matrix_playbook_public_matrix_federation_api_traefik_entrypoint_host_bind_port: MB,
  matrix_playbook_public_matrix_federation_api_traefik_entrypoint_config_http3_enabled: MB,
  matrix_playbook_public_matrix_federation_api_traefik_entrypoint_config_custom: MB,
};
