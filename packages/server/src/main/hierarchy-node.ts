import type { HierarchyNode } from '../hierarchy/hierarchy-node.js';
import type { LicensorNode } from '../node/licensor-node.js';
import type { AdmissionApi } from '../node/pool-ops.js';

/** The node as the hierarchy sees it: each member answered by the service that owns it. */
export function hierarchyNode(node: LicensorNode, admission: AdmissionApi): HierarchyNode {
  const { licensing, grants, pools, installer, runner } = node;
  return {
    store: node.store,
    clock: node.clock,
    get options() {
      return licensing.options;
    },
    get catalog() {
      return licensing.catalog;
    },
    get license() {
      return licensing.license;
    },
    get heldQuantities() {
      return licensing.heldQuantities;
    },
    get heldAllocation() {
      return licensing.heldAllocation;
    },
    get blockedByParent() {
      return licensing.blockedByParent;
    },
    licenseState: () => licensing.licenseState(),
    licensed: () => licensing.licensed(),
    setAllocation: (allocation) => grants.setAllocation(allocation),
    setAllocatedOut: (allocatedOut) => grants.setAllocatedOut(allocatedOut),
    setBlockedBy: (reason) => grants.setBlockedBy(reason),
    syncMember: (moduleId, memberId, features, ctx) => admission.syncMember(moduleId, memberId, features, ctx),
    removeMember: (moduleId, memberId, ctx) => admission.removeMember(moduleId, memberId, ctx),
    listPools: () => pools.listPools(),
    poolDetail: (moduleId) => pools.poolDetail(moduleId),
    licensedQuantities: () => pools.licensedQuantities(),
    installLicense: (text, actor) => installer.installLicense(text, actor),
    announce: (events) => installer.announce(events),
    publish: (events, audit) => runner.publish(events, audit),
  };
}
