import type { Writable } from 'node:stream';
import { type CurrencyCode, type MoneyJson, formatMinor, ledgerEventOf, parseMoney } from '#domain';
import type { RecordedEvent } from '#event-store';

/**
 * IATI activity XML (version 2.03) for a pair's projects: one iati-activity
 * per project, built from the project's own events, so every transaction is
 * a recorded fact.
 *
 *  - iati-identifier: `<reporting org ref>-<projectId>`
 *  - participating-org role 1 (funding): the donor region of the project's pair;
 *    role 4 (implementing): the investor when the project names one, else the
 *    recipient region
 *  - activity-status: active → 2 Implementation, completed → 3 Finalisation
 *    (the ledger still accepts tranches after completion, so finances may
 *    still move), cancelled → 5 Cancelled
 *  - activity-date: 2 (actual start) = signedOn; 4 (actual end) = the
 *    `completed` milestone's date or the cancellation's date
 *  - transactions, in the order recorded: type 2 (commitment) for the signed
 *    pledge and for each pledge revision's difference (negative when a
 *    pledge is revised down), so a project's commitments add up to its
 *    current pledge; type 3 (disbursement) per tranche, at its corrected
 *    amount when it was corrected (DisbursementCorrected). A cancellation
 *    adds no transaction: the status says it.
 *  - sector: the ledger's sector slug, in the reporting organisation's own
 *    vocabulary (99).
 * Every text is XML-escaped, and characters XML 1.0 cannot carry are replaced.
 */

export interface IatiReportingOrg {
  /** The reporting organisation's IATI organisation identifier, e.g. "CN-XXXX-123". */
  readonly ref: string;
  readonly name: string;
  /** An IATI OrganisationType code (10 = Government). */
  readonly type: string;
}

export interface IatiPair {
  readonly pairId: string;
  readonly donor: { readonly name: string };
  readonly recipient: { readonly name: string };
}

export interface IatiProject {
  readonly pair: IatiPair;
  /** The project's stream, in order. */
  readonly events: readonly RecordedEvent[];
}

export interface IatiTransaction {
  readonly kind: 'commitment' | 'disbursement';
  readonly ref: string;
  readonly date: string;
  readonly amount: string;
  readonly currency: string;
  readonly description: string;
}

export interface IatiActivitySummary {
  readonly projectId: string;
  readonly title: string;
  readonly status: 'active' | 'completed' | 'cancelled';
  readonly signedOn: string;
  readonly endedOn: string | null;
  readonly currency: string;
  readonly implementer: string;
  readonly sector: string;
  readonly description: string;
  readonly lastRecordedAt: string;
  readonly transactions: readonly IatiTransaction[];
}

const STATUS_CODE = { active: '2', completed: '3', cancelled: '5' } as const;

/** A recorded amount in minor units; zero is allowed (a tranche corrected to zero: it never arrived). */
function minor(money: MoneyJson): bigint {
  return parseMoney(money, { allowZero: true }).minor;
}

/** Folds a project's events into what its activity reports. */
export function summariseProject(project: IatiProject): IatiActivitySummary {
  const first = project.events[0] ? ledgerEventOf(project.events[0]) : null;
  if (first?.type !== 'ProjectSigned')
    throw new Error(`a project stream must start with ProjectSigned, not ${project.events[0]?.type ?? 'nothing'}`);
  const signing = first.data;
  const currency = signing.pledged.currency as CurrencyCode;
  const money = (value: bigint) => formatMinor(value, currency);
  const transactions: IatiTransaction[] = [];
  /** Where each tranche's transaction sits, to apply its corrections. */
  const tranches = new Map<string, number>();
  let status: IatiActivitySummary['status'] = 'active';
  let endedOn: string | null = null;
  for (const event of project.events) {
    const typed = ledgerEventOf(event);
    if (typed === null) continue;
    switch (typed.type) {
      case 'ProjectSigned': {
        const { data } = typed;
        transactions.push({
          kind: 'commitment',
          ref: event.id,
          date: data.signedOn,
          amount: money(minor(data.pledged)),
          currency,
          description: `Pledge signed${data.occasion ? ` at ${data.occasion}` : ''}`,
        });
        break;
      }
      case 'PledgeRevised': {
        const { data } = typed;
        transactions.push({
          kind: 'commitment',
          ref: event.id,
          date: data.revisedOn,
          amount: money(minor(data.pledged) - minor(data.previousPledged)),
          currency,
          description: `Pledge revised from ${data.previousPledged.amount} to ${data.pledged.amount} ${currency}: ${data.reason}`,
        });
        break;
      }
      case 'FundsDisbursed': {
        const { data } = typed;
        tranches.set(data.disbursementId, transactions.length);
        transactions.push({
          kind: 'disbursement',
          ref: event.id,
          date: data.disbursedOn,
          amount: money(minor(data.amount)),
          currency,
          description: `Tranche ${data.disbursementId}`,
        });
        break;
      }
      case 'DisbursementCorrected': {
        const { data } = typed;
        // The tranche is reported at its corrected amount (zero if it never arrived); the correction is told in its description.
        const index = tranches.get(data.disbursementId);
        if (index === undefined) throw new Error(`correction of unknown tranche ${data.disbursementId}`);
        const tranche = transactions[index];
        transactions[index] = {
          ...tranche,
          amount: money(minor(data.amount)),
          description:
            `${tranche.description}, corrected from ${data.previousAmount.amount} to ${data.amount.amount} ${currency} ` +
            `on ${data.correctedOn}: ${data.reason}`,
        };
        break;
      }
      case 'MilestoneReached':
        if (typed.data.milestone === 'completed') {
          status = 'completed';
          endedOn = typed.data.reachedOn;
        }
        break;
      case 'ProjectCancelled':
        status = 'cancelled';
        endedOn = typed.data.cancelledOn;
        break;
      default:
        break;
    }
  }
  const pair = project.pair;
  const description =
    `${signing.capitalKind === 'aid' ? 'Aid funds' : 'Enterprise investment'} in ${signing.sector}, ` +
    `signed on ${signing.signedOn}${signing.occasion ? ` at ${signing.occasion}` : ''} under the partner pair ${pair.pairId} ` +
    `(${pair.donor.name} → ${pair.recipient.name}).`;
  return {
    projectId: signing.projectId,
    title: signing.title,
    status,
    signedOn: signing.signedOn,
    endedOn,
    currency,
    implementer: signing.investor ?? pair.recipient.name,
    sector: signing.sector,
    description,
    lastRecordedAt: project.events[project.events.length - 1].metadata.recordedAt,
    transactions,
  };
}

const INVALID_XML_CHARS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text or attribute value, escaped; characters XML 1.0 cannot hold become U+FFFD. */
export function xmlEscape(value: string): string {
  return value
    .replace(INVALID_XML_CHARS, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function narrative(text: string): string {
  return `<narrative>${xmlEscape(text)}</narrative>`;
}

/** One iati-activity element. */
export function iatiActivityXml(project: IatiProject, org: IatiReportingOrg): string {
  const activity = summariseProject(project);
  const e = xmlEscape;
  const lines = [
    `  <iati-activity last-updated-datetime="${e(activity.lastRecordedAt)}" xml:lang="en" default-currency="${e(activity.currency)}">`,
    `    <iati-identifier>${e(`${org.ref}-${activity.projectId}`)}</iati-identifier>`,
    `    <reporting-org ref="${e(org.ref)}" type="${e(org.type)}">${narrative(org.name)}</reporting-org>`,
    `    <title>${narrative(activity.title)}</title>`,
    `    <description type="1">${narrative(activity.description)}</description>`,
    `    <participating-org role="1">${narrative(project.pair.donor.name)}</participating-org>`,
    `    <participating-org role="4">${narrative(activity.implementer)}</participating-org>`,
    `    <other-identifier ref="${e(activity.projectId)}" type="A1"/>`,
    `    <activity-status code="${STATUS_CODE[activity.status]}"/>`,
    `    <activity-date type="2" iso-date="${e(activity.signedOn)}"/>`,
    ...(activity.endedOn ? [`    <activity-date type="4" iso-date="${e(activity.endedOn)}"/>`] : []),
    `    <sector vocabulary="99" code="${e(activity.sector)}">${narrative(activity.sector)}</sector>`,
    ...activity.transactions.map((t) =>
      [
        `    <transaction ref="${e(t.ref)}">`,
        `      <transaction-type code="${t.kind === 'commitment' ? '2' : '3'}"/>`,
        `      <transaction-date iso-date="${e(t.date)}"/>`,
        `      <value currency="${e(t.currency)}" value-date="${e(t.date)}">${e(t.amount)}</value>`,
        `      <description>${narrative(t.description)}</description>`,
        `      <provider-org>${narrative(project.pair.donor.name)}</provider-org>`,
        `      <receiver-org>${narrative(activity.implementer)}</receiver-org>`,
        `    </transaction>`,
      ].join('\n'),
    ),
    '  </iati-activity>',
  ];
  return lines.join('\n') + '\n';
}

/**
 * Writes an iati-activities document (IATI 2.03) to `out`, one activity per
 * project as `projects` yields them, waiting for 'drain' when `out` is full.
 * Ends `out`. The schema needs at least one activity: the caller checks
 * there is one.
 */
export async function writeIatiActivities(
  out: Writable,
  projects: AsyncIterable<IatiProject> | Iterable<IatiProject>,
  org: IatiReportingOrg,
  generatedAt: Date = new Date(),
): Promise<number> {
  const write = async (chunk: string) => {
    if (out.destroyed) throw new Error('the output was closed');
    if (!out.write(chunk))
      await new Promise<void>((resolve, reject) => {
        const settle = (error?: Error) => {
          out.off('drain', settle);
          out.off('close', settle);
          out.off('error', settle);
          if (error instanceof Error || out.destroyed) reject(error ?? new Error('the output was closed'));
          else resolve();
        };
        out.on('drain', settle);
        out.on('close', settle);
        out.on('error', settle);
      });
  };
  await write(
    `<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03" generated-datetime="${generatedAt.toISOString()}">\n`,
  );
  let count = 0;
  for await (const project of projects) {
    await write(iatiActivityXml(project, org));
    count++;
  }
  await write('</iati-activities>\n');
  await new Promise<void>((resolve) => out.end(resolve));
  return count;
}
