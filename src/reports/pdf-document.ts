import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import PDFDocument from 'pdfkit';

const require = createRequire(import.meta.url);
const FONT_DIR = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');

/**
 * An A4 document with DejaVu Sans embedded as `body` and `bold` (from the dejavu-fonts-ttf
 * package, so every clone has it): Ukrainian and Russian text renders and stays extractable.
 * `done` resolves with the bytes once the caller ends the document. `created` fixes the dates
 * in the file, so the same input gives the same figures.
 */
export function pdfDocument(title: string, opts: { margin?: number; created?: Date } = {}): { doc: PDFKit.PDFDocument; done: Promise<Buffer> } {
  const dates = opts.created ? { CreationDate: opts.created, ModDate: opts.created } : {};
  const doc = new PDFDocument({ size: 'A4', margin: opts.margin ?? 42, info: { Title: title, Creator: 'Truceline', ...dates } });
  doc.registerFont('body', join(FONT_DIR, 'DejaVuSans.ttf'));
  doc.registerFont('bold', join(FONT_DIR, 'DejaVuSans-Bold.ttf'));
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  return { doc, done };
}
