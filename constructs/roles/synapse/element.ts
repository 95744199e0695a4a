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
