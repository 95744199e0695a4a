/**
 * Memory of the x86_64 EC2 instance types the AWS target accepts (the AMI is the
 * x86_64 Amazon Linux 2023). Synapse, PostgreSQL, Element and nginx need 4 GiB.
 */
const SIZE_VCPU: Readonly<Record<string, number>> = {
  large: 2, xlarge: 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 32, "12xlarge": 48, "16xlarge": 64,
};
/** GiB per vCPU by family (general purpose 4, compute 2, memory 8). */
const FAMILY_GIB_PER_VCPU: Readonly<Record<string, number>> = {
  m5: 4, m5a: 4, m6i: 4, m6a: 4, m7i: 4, m7a: 4,
  c5: 2, c5a: 2, c6i: 2, c6a: 2, c7i: 2, c7a: 2,
  r5: 8, r5a: 8, r6i: 8, r6a: 8, r7i: 8, r7a: 8,
};
/** Burstable families have their own small sizes. */
const BURSTABLE_GIB: Readonly<Record<string, number>> = {
  nano: 0.5, micro: 1, small: 2, medium: 4, large: 8, xlarge: 16, "2xlarge": 32,
};

export const MIN_MEMORY_GIB = 4;

/** Memory in GiB, or undefined for a type this target does not know. */
export function instanceMemoryGiB(instanceType: string): number | undefined {
  const [family, size] = instanceType.split(".");
  if (family === "t3" || family === "t3a") return BURSTABLE_GIB[size];
  const perVcpu = FAMILY_GIB_PER_VCPU[family];
  const vcpu = SIZE_VCPU[size];
  return perVcpu && vcpu ? perVcpu * vcpu : undefined;
}

export const KNOWN_FAMILIES = ["t3", "t3a", ...Object.keys(FAMILY_GIB_PER_VCPU)];
