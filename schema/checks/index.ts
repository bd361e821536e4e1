// The check table: the only list the runner reads, in the order diagnostics are produced.
// Structure first (names, arch), then the generated registry gates, then the rules per area.
import * as arm from './arm.js';
import type { Check } from './check.js';
import * as cpupools from './cpupools.js';
import * as domains from './domains.js';
import * as efi from './efi.js';
import * as evtchn from './evtchn.js';
import { gateChecks } from './gates.js';
import * as memory from './memory.js';
import * as passthrough from './passthrough.js';
import * as shm from './shm.js';
import * as strings from './strings.js';
import * as system from './whole-system.js';

let table: readonly Check[] | undefined;

/** The ordered check table (built on first use so importing schema/ stays cheap). */
export function checkTable(): readonly Check[] {
  table ??= [
    domains.uniqueDomainNames,
    domains.archMatchesBoard,
    domains.archSettings,
    ...gateChecks(),
    system.dom0lessKconfig,
    domains.x86BootDomains,
    domains.singleHardwareDomain,
    domains.singleXenstoreDomain,
    domains.xenstoreProvider,
    domains.xenstoreLegacyStaticMem,
    domains.runtimeNeedsToolstack,
    domains.runtimeGuestFiles,
    domains.hardwareDomainRestrictions,
    domains.hardwareDomainIommu,
    memory.memorySize,
    memory.directMapNeedsStaticMem,
    memory.staticMemAligned,
    memory.staticMemSum,
    memory.staticMemOverlap,
    memory.staticMemLlc,
    memory.p2mPoolSize,
    memory.boardRam,
    shm.shmAligned,
    shm.shmConsistent,
    shm.shmSingleOwner,
    shm.shmDirectMap,
    shm.shmHostRequired,
    shm.shmCount,
    evtchn.evtchnPeer,
    evtchn.evtchnReciprocal,
    evtchn.evtchnPorts,
    evtchn.evtchnXenstorePort,
    evtchn.evtchnNeedsPv,
    cpupools.cpupoolCpus,
    cpupools.cpupoolKnown,
    cpupools.cpupoolsKconfig,
    cpupools.schedulerKconfig,
    cpupools.vcpuAffinity,
    arm.nrSpisLimit,
    arm.vpl011Spi,
    arm.directMapUartIrq,
    arm.sveLength,
    arm.llcColoringOn,
    arm.sciCmdline,
    arm.v8rMpu,
    arm.grantVersionMax,
    arm.vcpusLimit,
    arm.dtuartAlias,
    arm.passthroughIommu,
    arm.passthroughIrqs,
    passthrough.passthroughNoIommu,
    passthrough.passthroughBoard,
    passthrough.passthroughBootIrqs,
    arm.systemLlcColors,
    domains.unknownParamsCarried,
    strings.cmdlineLength,
    strings.ubootSafeStrings,
    strings.ubootLoadCommand,
    efi.efiUbootOnly,
    efi.efiXenCmdline,
    system.moduleCount,
    system.xenImage,
  ];
  return table;
}

export type { Check, CheckContext } from './check.js';
export { defineCheck } from './check.js';
