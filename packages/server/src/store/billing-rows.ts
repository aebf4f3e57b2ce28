import type { LedgerEntry, RentalPlan } from '@licensor/core';
import type { BillingAccount, IssuedLicense, RentalRecord, StoredLedgerEntry } from './billing-store.js';
import type { Row } from './store-rows.js';

/** A billing_accounts row as a BillingAccount. */
export function toAccount(r: Row): BillingAccount {
  return {
    id: r.id as string,
    customerId: r.customer_id as string,
    customerName: r.customer_name as string,
    currency: r.currency as string,
    createdAt: r.created_at as number,
  };
}

/** A ledger row as a StoredLedgerEntry. */
export function toLedger(r: Row): StoredLedgerEntry {
  return {
    seq: r.seq as number,
    id: r.id as string,
    accountId: r.account_id as string,
    kind: r.kind as LedgerEntry['kind'],
    amount: r.amount as number,
    currency: r.currency as string,
    reference: (r.reference as string | null) ?? null,
    rentalId: (r.rental_id as string | null) ?? null,
    periodIndex: (r.period_index as number | null) ?? null,
    note: (r.note as string | null) ?? null,
    at: r.at as number,
  };
}

/** A rental_plans row as a RentalPlan. */
export function toPlan(r: Row): RentalPlan {
  return {
    id: r.id as string,
    name: r.name as string,
    period: r.period as RentalPlan['period'],
    price: r.price as number,
    currency: r.currency as string,
    graceMs: r.grace_ms as number,
    entitlements: JSON.parse(r.entitlements as string) as RentalPlan['entitlements'],
    createdAt: r.created_at as number,
  };
}

/** A rentals row as a RentalRecord. */
export function toRental(r: Row): RentalRecord {
  return {
    id: r.id as string,
    accountId: r.account_id as string,
    planId: r.plan_id as string,
    licenseId: r.license_id as string,
    hardwareKey: r.hardware_key as string,
    scope: r.scope as RentalRecord['scope'],
    customerName: r.customer_name as string,
    anchorAt: r.anchor_at as number,
    anchorIndex: r.anchor_index as number,
    periodIndex: r.period_index as number,
    periodEnd: r.period_end as number,
    status: r.status as RentalRecord['status'],
    warnedIndex: r.warned_index as number,
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
  };
}

/** An issued_licenses row as an IssuedLicense. */
export function toIssued(r: Row): IssuedLicense {
  return {
    seq: r.seq as number,
    licenseId: r.license_id as string,
    rentalId: (r.rental_id as string | null) ?? null,
    hardwareKey: r.hardware_key as string,
    notAfter: (r.not_after as number | null) ?? null,
    text: r.text as string,
    issuedAt: r.issued_at as number,
  };
}
