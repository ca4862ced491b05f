import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { canonicalJson, REPORT_AUDIENCES, type ReportAudience } from '../domain/daily-report';
import { dailyReportHtml } from '../reports/daily-report.html';
import { dailyReportPdf } from '../reports/daily-report.pdf';
import { dailyReport, DEFAULT_CUT_OFF } from '../services/daily-report.service';
import { withStore } from './context';

/** `truceline report daily --date YYYY-MM-DD --audience cell|parties|public --format json|html -o FILE`. */
export function registerReportCommands(program: Command, dbOption: () => Option): void {
  const report = program.command('report').description('Reports of the monitoring mechanism');
  report
    .command('daily')
    .description('Build the daily report of a date for an audience (only what that audience may see goes in)')
    .requiredOption('--date <date>', 'the report date, YYYY-MM-DD (the period ends at its cut-off)')
    .addOption(new Option('--audience <audience>', 'who it is for').choices(REPORT_AUDIENCES).default('public'))
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'html', 'pdf']).default('json'))
    .option('--cut-off <hh:mm>', 'local cut-off time', DEFAULT_CUT_OFF.time)
    .option('--time-zone <tz>', 'IANA time zone of the cut-off', DEFAULT_CUT_OFF.timeZone)
    .option('-o, --output <file>', 'write here instead of stdout')
    .addOption(dbOption())
    .action(async (opts: { date: string; audience: ReportAudience; format: 'json' | 'html' | 'pdf'; cutOff: string; timeZone: string; output?: string; db?: string }) => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(opts.date) || Number.isNaN(Date.parse(opts.date))) throw Object.assign(new Error('--date must be YYYY-MM-DD'), { status: 400 });
      await withStore(opts, async ({ store }) => {
        const r = await dailyReport(store, opts.date, opts.audience, { time: opts.cutOff, timeZone: opts.timeZone });
        const text = opts.format === 'json' ? canonicalJson(r) : opts.format === 'html' ? dailyReportHtml(r) : await dailyReportPdf(r);
        if (opts.output) {
          writeFileSync(opts.output, text);
          console.error(`daily report ${r.number} (${opts.audience}): ${r.violations.total.total} violations, ${r.observationIds.length} observations → ${opts.output}`);
        } else if (typeof text === 'string') process.stdout.write(text);
        else if (process.stdout.isTTY) throw Object.assign(new Error('a PDF is not for the terminal: give -o FILE'), { status: 400 });
        else process.stdout.write(text);
      });
    });
}
