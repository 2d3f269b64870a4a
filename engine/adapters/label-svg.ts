import type { Address } from './types.ts'
import { code39Bars } from './code39.ts'

export interface LabelData {
  carrier: string
  service: 'standard' | 'express'
  trackingNumber: string
  from: Address
  to: Address
  parcel: { index: number; count: number; weightG: number }
  reference?: string
  date: Date
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

const addressLines = (a: Address) =>
  [
    a.name,
    a.company,
    a.line1,
    a.line2,
    [a.postalCode, a.city].filter(Boolean).join(' '),
    a.region,
    a.country,
  ].filter((l): l is string => typeof l === 'string' && l.trim() !== '')

function text(x: number, y: number, content: string, size: number, weight = 'normal'): string {
  return `<text x="${x}" y="${y}" font-size="${size}" font-weight="${weight}">${esc(content)}</text>`
}

/**
 * A 4x6 inch shipping label (the thermal printer standard): 100 user units per inch, so the
 * viewBox is 400x600 and it prints at true size from a browser or any SVG renderer.
 */
export function renderLabelSvg(d: LabelData): string {
  const { bars, width } = code39Bars(d.trackingNumber)
  const module = Math.min(2, 360 / width)
  const barX = (400 - width * module) / 2
  const express = d.service === 'express'
  const parts = [
    `<rect x="4" y="4" width="392" height="592" fill="none" stroke="#000" stroke-width="3"/>`,
    text(16, 40, d.carrier.toUpperCase(), 24, 'bold'),
    `<rect x="300" y="12" width="84" height="50" fill="${express ? '#000' : '#fff'}" stroke="#000" stroke-width="3"/>`,
    `<text x="342" y="50" font-size="36" font-weight="bold" text-anchor="middle" fill="${express ? '#fff' : '#000'}">${express ? 'E' : 'S'}</text>`,
    text(16, 62, `${express ? 'EXPRESS' : 'STANDARD'} · ${d.date.toISOString().slice(0, 10)}`, 13),
    `<line x1="4" y1="76" x2="396" y2="76" stroke="#000" stroke-width="2"/>`,
    text(16, 96, 'FROM', 11, 'bold'),
    ...addressLines(d.from).map((l, i) => text(16, 112 + i * 14, l, 12)),
    `<line x1="4" y1="200" x2="396" y2="200" stroke="#000" stroke-width="2"/>`,
    text(16, 222, 'SHIP TO', 12, 'bold'),
    ...addressLines(d.to).map((l, i) =>
      text(16, 248 + i * 22, l, i === 0 ? 20 : 17, i === 0 ? 'bold' : 'normal'),
    ),
    `<line x1="4" y1="410" x2="396" y2="410" stroke="#000" stroke-width="2"/>`,
    ...bars.map(
      ([x, w]) =>
        `<rect x="${(barX + x * module).toFixed(2)}" y="424" width="${(w * module).toFixed(2)}" height="90"/>`,
    ),
    `<text x="200" y="536" font-size="18" font-family="monospace" text-anchor="middle" letter-spacing="2">${esc(d.trackingNumber)}</text>`,
    text(
      16,
      566,
      `Parcel ${d.parcel.index} of ${d.parcel.count} · ${(d.parcel.weightG / 1000).toFixed(2)} kg`,
      13,
    ),
    d.reference ? text(16, 584, `Ref ${d.reference}`, 12) : '',
  ]
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<svg xmlns="http://www.w3.org/2000/svg" width="4in" height="6in" viewBox="0 0 400 600" font-family="Helvetica, Arial, sans-serif">',
    '<rect width="400" height="600" fill="#fff"/>',
    ...parts.filter(Boolean),
    '</svg>',
  ].join('\n')
}
