import type { Box } from './boxes.ts'

/** Five standard cartons (inner dimensions, contents weight limit): the pack node's defaults. */
export const STANDARD_BOXES: Box[] = [
  { id: 'XS', name: 'Mailer box', lengthMm: 220, widthMm: 160, heightMm: 80, maxWeightG: 2000 },
  { id: 'S', name: 'Small carton', lengthMm: 310, widthMm: 220, heightMm: 140, maxWeightG: 5000 },
  { id: 'M', name: 'Medium carton', lengthMm: 400, widthMm: 300, heightMm: 250, maxWeightG: 12000 },
  { id: 'L', name: 'Large carton', lengthMm: 550, widthMm: 400, heightMm: 350, maxWeightG: 20000 },
  { id: 'XL', name: 'Extra large carton', lengthMm: 800, widthMm: 600, heightMm: 500, maxWeightG: 30000 },
]
