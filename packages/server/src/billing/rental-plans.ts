import type { Catalog, RentalPlan } from '@licensor/core';
import { validateRentalPlan } from '@licensor/core';
import { type Entitlement, fail, newId, type Outcome, ok } from '@licensor/protocol';
import { buildLicensePayload } from '../issuer/issue-license.js';
import type { Clock } from '../time/clock.js';
import type { BillingStore } from '../store/billing-store.js';
import type { AuditActor } from '../store/store.js';
import { SYSTEM_ACTOR } from './billing-effects.js';

/** Rental plans: a price per period for a set of entitlements; created and changed with an audit entry each. */
export class RentalPlanService {
  constructor(
    private readonly store: BillingStore,
    private readonly catalog: Catalog,
    private readonly clock: Clock,
  ) {}

  /** Creates a rental plan; its modules are checked against the catalog. */
  async create(input: Record<string, unknown>, actor: AuditActor = SYSTEM_ACTOR): Promise<Outcome<RentalPlan>> {
    const v = validateRentalPlan(input);
    if (!v.ok) return v;
    const check = this.checkEntitlements(v.value.entitlements);
    if (!check.ok) return check;
    const plan: RentalPlan = { id: newId('pln'), createdAt: this.clock.now(), ...v.value };
    await this.store.atomically(async (tx) => {
      await tx.insertPlan(plan);
      await tx.insertAudit({
        id: newId('aud'),
        at: plan.createdAt,
        actor,
        action: 'rental_plan.created',
        target: plan.id,
        details: {
          name: plan.name,
          period: plan.period,
          price: plan.price,
          currency: plan.currency,
          graceMs: plan.graceMs,
          entitlements: plan.entitlements,
        },
      });
    });
    return ok(plan);
  }

  /**
   * Changes a plan's name, price or grace. The period, currency and modules stay: rentals already running are
   * anchored on the period and their license files carry the modules. A new price applies from the next charge.
   */
  async update(
    id: string,
    patch: { name?: unknown; price?: unknown; graceMs?: unknown },
    actor: AuditActor = SYSTEM_ACTOR,
  ): Promise<Outcome<RentalPlan>> {
    const now = this.clock.now();
    return this.store.atomically(async (tx): Promise<Outcome<RentalPlan>> => {
      const prev = await tx.getPlan(id);
      if (!prev) return fail('NOT_FOUND', `no rental plan ${id}`, { field: 'id' });
      const v = validateRentalPlan({
        ...prev,
        ...Object.fromEntries(Object.entries(patch).filter(([, x]) => x !== undefined)),
      });
      if (!v.ok) return v;
      const plan: RentalPlan = { ...prev, name: v.value.name, price: v.value.price, graceMs: v.value.graceMs };
      const changed = Object.fromEntries(
        (['name', 'price', 'graceMs'] as const)
          .filter((k) => plan[k] !== prev[k])
          .map((k) => [k, { from: prev[k], to: plan[k] }]),
      );
      if (Object.keys(changed).length === 0) return ok(prev);
      await tx.updatePlan(plan);
      await tx.insertAudit({
        id: newId('aud'),
        at: now,
        actor,
        action: 'rental_plan.changed',
        target: id,
        details: changed,
      });
      return ok(plan);
    });
  }

  /** Every rental plan. */
  async list(): Promise<RentalPlan[]> {
    return this.store.read((tx) => tx.listPlans());
  }

  private checkEntitlements(entitlements: Entitlement[]): Outcome<true> {
    // The same checks as issuing: known modules, quantities that fit each module's policy.
    const probe = buildLicensePayload(
      {
        customerName: 'plan check',
        hardwareKey: '0'.repeat(64),
        scope: 'static',
        term: { type: 'permanent' },
        entitlements,
        issuer: 'plan check',
      },
      this.catalog,
      new Date(this.clock.now()),
    );
    if (!probe.ok) return { ...probe, field: 'entitlements' };
    return ok(true);
  }
}
