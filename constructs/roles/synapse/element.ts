import type { Topology } from "../../topology/topology";

/**
 * Element Web's host name: matrix-docker-ansible-deploy's default, element.<domain>. It
 * resolves to the VIP like the domain, and the load balancers' certificates name it.
 */
export const elementHostName = (domain: string): string => `element.${domain}`;

/** Element's own logo, shown when the deployment names none. */
const ELEMENT_LOGO = "themes/element/img/logos/element-logo.svg";

/**
 * The deployment's branding as Element Web takes it, wherever Element is installed (the
 * proof of concept's config.json, the playbook's variables): the brand name, the logo on
 * the login page, and a light theme in the brand's colour, chosen by default.
 */
export function elementBranding(branding: Topology["branding"]) {
  return {
    brand: branding.brand,
    logoUrl: branding.logoUrl ?? ELEMENT_LOGO,
    themeColor: branding.themeColor,
    /** Element names a custom theme `custom-<name>`. */
    defaultTheme: `custom-${branding.brand}`,
  };
}

/** The Element Web features a deployment with LiveKit turns on: group calls and video rooms. */
export const ELEMENT_CALL_FEATURES = ["feature_video_rooms", "feature_group_calls", "feature_element_call_video_rooms"] as const;

/**
 * Element Web's config.json for a homeserver (the proof of concept's container, the native
 * Synapse host's nginx): the deployment's branding, guests and custom server URLs off, and
 * the call features when the deployment has LiveKit. Built as data, so any brand name
 * stays valid JSON.
 */
export function elementConfig(branding: Topology["branding"], baseUrl: string, serverName: string, calls = false): string {
  const b = elementBranding(branding);
  const config = {
    default_server_config: { "m.homeserver": { base_url: baseUrl, server_name: serverName } },
    brand: b.brand,
    disable_custom_urls: true,
    disable_guests: true,
    show_labs_settings: false,
    default_theme: b.defaultTheme,
    branding: { auth_header_logo_url: b.logoUrl },
    setting_defaults: { custom_themes: [{ name: b.brand, is_dark: false, colors: { "accent-color": b.themeColor, "primary-color": b.themeColor } }] },
    default_country_code: "US",
    ...(calls ? { features: Object.fromEntries(ELEMENT_CALL_FEATURES.map((f) => [f, true])) } : {}),
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
