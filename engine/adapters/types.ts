import type { Order } from '../orders/order-model.ts'

/** The outside world the nodes talk to. Each call carries the step key as its idempotency key. */

export type Address = Order['shippingAddress']

export interface CaptureRequest {
  /** idempotency key: a second capture with the same key returns the first result */
  key: string
  orderId: number
  /** decimal string, e.g. "59.90" */
  amount: string
  currency: string
  method: string
  /** the order's provider-specific payment data (card token, ...) */
  payment: Record<string, unknown>
}

export interface CaptureResult {
  status: 'captured' | 'failed'
  ref: string
  /** machine-readable reason for a failure, e.g. "card_declined" */
  reason?: string
}

export interface RefundRequest {
  key: string
  /** the `ref` of the capture being refunded */
  paymentRef: string
  amount: string
  currency: string
}

export interface RefundResult {
  status: 'refunded' | 'failed'
  ref: string
  reason?: string
}

/** Throws RetryLater for transient trouble (timeouts); declines are results, not errors. */
export interface PaymentAdapter {
  readonly name: string
  capture(req: CaptureRequest): Promise<CaptureResult>
  refund(req: RefundRequest): Promise<RefundResult>
}

export interface CarrierParcel {
  weightG: number
  lengthMm: number
  widthMm: number
  heightMm: number
  boxId?: string
}

export interface BookingRequest {
  key: string
  orderId: number
  service: 'standard' | 'express'
  parcels: CarrierParcel[]
  address: Address
  /** printed on the label as the sender; the carrier's configured sender when absent */
  from?: Address
  /** printed on the label for the warehouse, e.g. the order number */
  reference?: string
}

export interface Booking {
  carrier: string
  trackingNumber: string
  trackingUrl: string
  /** a printable 4x6 inch label */
  labelSvg: string
}

export interface CarrierAdapter {
  readonly name: string
  book(req: BookingRequest): Promise<Booking>
}

export interface ChannelAdapter {
  /** Tells the sales channel the order shipped; safe to call twice with the same data. */
  markShipped(req: {
    channel: string
    externalId: string
    trackingNumber: string
    trackingUrl?: string
  }): Promise<void>
}
