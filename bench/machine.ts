import { cpus, platform, release, totalmem } from 'node:os';
import type Docker from 'dockerode';

/** The machine a result was measured on; no paths, no host names. */
export interface MachineInfo {
  cpuCount: number;
  cpuModel: string;
  totalMemoryBytes: number;
  os: string;
  nodeVersion: string;
  dockerServerVersion: string;
  dockerApiVersion: string;
}

export async function machineInfo(docker: Docker): Promise<MachineInfo> {
  const cpuList = cpus();
  const version = await docker.version();
  return {
    cpuCount: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    totalMemoryBytes: totalmem(),
    os: `${platform()} ${release()}`,
    nodeVersion: process.version,
    dockerServerVersion: version.Version,
    dockerApiVersion: version.ApiVersion,
  };
}

/** "2 cores (AMD EPYC), 7.8 GiB, Node v20.20.2, Docker 20.10.24": the line tables are quoted with. */
export function describeMachine(m: MachineInfo): string {
  const gib = (m.totalMemoryBytes / 2 ** 30).toFixed(1);
  return `${m.cpuCount} cores (${m.cpuModel}), ${gib} GiB, Node ${m.nodeVersion}, Docker ${m.dockerServerVersion} (API ${m.dockerApiVersion}), ${m.os}`;
}
