import { formatMoney } from '@licensor/core';
import type { LicenseScope } from '@licensor/protocol';
import type { BillingAccount, IssuedLicense, RentalRecord } from '../store/billing-store.js';
import { iso } from './billing-effects.js';

/** An account as the API shows it. */
export interface AccountView {
  id: string;
  customer: { id: string; name: string };
  currency: string;
  balance: number;
  balanceText: string;
  createdAt: number;
}

/** A rental as the API shows it, with its current license file. */
export interface RentalView {
  id: string;
  accountId: string;
  planId: string;
  licenseId: string;
  hardwareKey: string;
  scope: LicenseScope;
  status: RentalRecord['status'];
  periodIndex: number;
  paidUntil: string;
  /** End of the current license file: the paid end plus the plan's grace. */
  notAfter: string | null;
  license: string | null;
  installedHere: boolean;
}

/** The API view of an account with its balance. */
export function accountView(a: BillingAccount, balance: number): AccountView {
  return {
    id: a.id,
    customer: { id: a.customerId, name: a.customerName },
    currency: a.currency,
    balance,
    balanceText: formatMoney({ amount: balance, currency: a.currency }),
    createdAt: a.createdAt,
  };
}

/** The API view of a rental with its newest file; `installed` is the text of the license the node runs. */
export function rentalView(r: RentalRecord, issued: IssuedLicense | null, installed: string | undefined): RentalView {
  return {
    id: r.id,
    accountId: r.accountId,
    planId: r.planId,
    licenseId: r.licenseId,
    hardwareKey: r.hardwareKey,
    scope: r.scope,
    status: r.status,
    periodIndex: r.periodIndex,
    paidUntil: iso(r.periodEnd),
    notAfter: issued?.notAfter != null ? iso(issued.notAfter) : null,
    license: issued?.text ?? null,
    installedHere: installed === issued?.text && issued !== null,
  };
}
