import {
  AccountCreateBody,
  AccountsAnswer,
  AccountsQuery,
  AccountView,
  AdjustmentAnswer,
  AdjustmentBody,
  ExtendBody,
  ExtendedLicenseAnswer,
  IdParams,
  IssuedLicenseAnswer,
  IssuedLicenseFile,
  LedgerAnswer,
  LedgerQuery,
  PlanCreateBody,
  PlansAnswer,
  PlanUpdateBody,
  RentalCreateBody,
  RentalPlanView,
  RentalView,
  TemporaryLicenseBody,
  TopUpAnswer,
  TopUpBody,
} from '@licensor/protocol/schemas';
import type { KeySource } from '@licensor/protocol';
import type { FastifyInstance } from 'fastify';
import type { BillingService } from '../../billing/billing-service.js';
import { ledgerCsv } from '../../billing/ledger-csv.js';
import { auditActor, unwrap } from '../request-context.js';
import { errors } from '../../transport/schemas.js';

/** Billing accounts, ledger, rental plans, rentals and temporary licenses (admin only). */
export function billingRoutes(app: FastifyInstance, billing: BillingService): void {
  const tags = ['billing'];

  app.post<{ Body: { customerName: string; customerId?: string; currency: string } }>(
    '/v1/billing/accounts',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'Open a prepaid billing account for a customer in one currency',
        tags,
        body: AccountCreateBody,
        response: { 201: AccountView },
      },
    },
    async (req, reply) => {
      const a = unwrap(await billing.createAccount(req.body));
      reply.code(201);
      return a;
    },
  );

  app.get<{ Querystring: { limit: number } }>(
    '/v1/billing/accounts',
    {
      config: { roles: ['admin'] },
      schema: {
        summary:
          'Every billing account with its balance and rentals (status, paid period; license files via GET /v1/rentals/{id})',
        tags,
        querystring: AccountsQuery,
        response: { 200: AccountsAnswer },
      },
    },
    async (req) => billing.accounts(req.query.limit),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/billing/accounts/:id',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'An account and its balance (the sum of its ledger), in minor units',
        tags,
        params: IdParams,
        response: { 200: AccountView, ...errors(404) },
      },
    },
    async (req) => unwrap(await billing.account(req.params.id)),
  );

  app.post<{ Params: { id: string }; Body: { amount: unknown; currency: string; reference: string } }>(
    '/v1/billing/accounts/:id/topups',
    {
      config: { roles: ['admin'] },
      schema: {
        summary:
          'Record a payment (idempotent by payment reference); renews lapsed or due rentals the new balance covers, at once',
        tags,
        params: IdParams,
        body: TopUpBody,
        response: { 200: TopUpAnswer, 201: TopUpAnswer, ...errors(404, 409) },
      },
    },
    async (req, reply) => {
      const r = unwrap(await billing.topUp(req.params.id, req.body, auditActor(req)));
      reply.code(r.duplicate ? 200 : 201);
      return r;
    },
  );

  app.post<{
    Params: { id: string };
    Body: { kind: 'refund' | 'adjustment'; amount: unknown; currency: string; reference?: string; note?: string };
  }>(
    '/v1/billing/accounts/:id/adjustments',
    {
      config: { roles: ['admin'] },
      schema: {
        summary:
          'Record a refund (credit back to the balance) or a staff adjustment (either sign); the balance never goes below zero',
        tags,
        params: IdParams,
        body: AdjustmentBody,
        response: { 201: AdjustmentAnswer, ...errors(404, 409) },
      },
    },
    async (req, reply) => {
      const r = unwrap(await billing.correct(req.params.id, req.body, auditActor(req)));
      reply.code(201);
      return r;
    },
  );

  app.get<{ Params: { id: string }; Querystring: { after: number; limit: number; format?: 'json' | 'csv' } }>(
    '/v1/billing/accounts/:id/ledger',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'Ledger entries oldest first after a cursor; CSV with `Accept: text/csv` or `?format=csv`',
        tags,
        params: IdParams,
        querystring: LedgerQuery,
        response: { 200: LedgerAnswer, ...errors(404) },
      },
    },
    async (req, reply) => {
      const r = unwrap(await billing.ledger(req.params.id, req.query.after, req.query.limit));
      const csv =
        req.query.format === 'csv' ||
        (req.query.format === undefined && /\btext\/csv\b/.test(req.headers.accept ?? ''));
      if (!csv) return r;
      reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="ledger-${r.account.id}.csv"`);
      return ledgerCsv(r.entries);
    },
  );

  app.post<{ Body: Record<string, unknown> }>(
    '/v1/rental-plans',
    {
      config: { roles: ['admin'] },
      schema: {
        summary:
          'Create a rental plan: a price per period (day, week, month) for a set of entitlements, with an optional grace period',
        tags,
        body: PlanCreateBody,
        response: { 201: RentalPlanView, ...errors(404) },
      },
    },
    async (req, reply) => {
      const p = unwrap(await billing.createPlan(req.body, auditActor(req)));
      reply.code(201);
      return p;
    },
  );

  app.patch<{ Params: { id: string }; Body: { name?: string; price?: unknown; graceMs?: unknown } }>(
    '/v1/rental-plans/:id',
    {
      config: { roles: ['admin'] },
      schema: {
        summary:
          "Change a plan's name, price or grace period; a new price applies from each rental's next charge (period, currency and modules stay)",
        tags,
        params: IdParams,
        body: PlanUpdateBody,
        response: { 200: RentalPlanView, ...errors(404) },
      },
    },
    async (req) => unwrap(await billing.updatePlan(req.params.id, req.body, auditActor(req))),
  );

  app.get(
    '/v1/rental-plans',
    { config: { roles: ['admin'] }, schema: { summary: 'Every rental plan', tags, response: { 200: PlansAnswer } } },
    async () => ({ plans: await billing.listPlans() }),
  );

  app.post<{
    Body: {
      accountId: string;
      planId: string;
      hardwareKey: string;
      scope?: 'centralized' | 'static';
      keySource?: KeySource;
    };
  }>(
    '/v1/rentals',
    {
      config: { roles: ['admin'] },
      schema: {
        summary:
          "Start a rental license for a customer's account: charges the first period and issues the license file in one transaction",
        tags,
        body: RentalCreateBody,
        response: { 201: RentalView, ...errors(404, 409) },
      },
    },
    async (req, reply) => {
      const r = unwrap(await billing.createRental(req.body, auditActor(req)));
      reply.code(201);
      return r;
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/rentals/:id',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'A rental: status, paid period, and its current license file',
        tags,
        params: IdParams,
        response: { 200: RentalView, ...errors(404) },
      },
    },
    async (req) => unwrap(await billing.rental(req.params.id)),
  );

  app.post<{
    Body: {
      customerName: string;
      customerId?: string;
      hardwareKey: string;
      scope: 'centralized' | 'static';
      entitlements: { moduleId: number; quantity?: number | null }[];
      until: string;
      keySource?: KeySource;
    };
  }>(
    '/v1/licenses',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'Issue a temporary license with an end date (sales, on written request); it can be extended later',
        tags,
        body: TemporaryLicenseBody,
        response: { 201: IssuedLicenseAnswer, ...errors(404, 409) },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const r = unwrap(
        await billing.issueTemporary(
          { ...b, entitlements: b.entitlements.map((e) => ({ moduleId: e.moduleId, quantity: e.quantity ?? null })) },
          auditActor(req),
        ),
      );
      reply.code(201);
      return r;
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/licenses/:id',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'The current file of a license this node issued',
        tags,
        params: IdParams,
        response: { 200: IssuedLicenseFile, ...errors(404) },
      },
    },
    async (req) => unwrap(await billing.issued(req.params.id)),
  );

  app.post<{ Params: { id: string }; Body: { until: string } }>(
    '/v1/licenses/:id/extend',
    {
      config: { roles: ['admin'] },
      schema: {
        summary:
          'Extend a temporary license: re-issue it (same id) with a later end date; installed at once if it is for this node',
        tags,
        params: IdParams,
        body: ExtendBody,
        response: { 200: ExtendedLicenseAnswer, ...errors(404, 409) },
      },
    },
    async (req) => unwrap(await billing.extend(req.params.id, req.body.until, auditActor(req))),
  );
}
