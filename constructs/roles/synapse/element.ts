/**
 * Element Web's host name: matrix-docker-ansible-deploy's default, element.<domain>. It
 * resolves to the VIP like the domain, and the load balancers' certificates name it.
 */
export const elementHostName = (domain: string): string => `element.${domain}`;
