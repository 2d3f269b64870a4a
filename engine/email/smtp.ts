import nodemailer, { type Transporter } from 'nodemailer'

let smtpUrl: string | undefined
let transport: Transporter | undefined

/**
 * Turns SMTP delivery on (an `SMTP_URL` such as `smtp://localhost:2525`) or off (undefined).
 * Off, emails stay in the outbox with status 'stored'. (Default: off)
 */
export function configureSmtp(url: string | undefined): void {
  if (url === smtpUrl) return
  transport?.close()
  transport = undefined
  smtpUrl = url
}

export function smtpEnabled(): boolean {
  return smtpUrl !== undefined
}

/** The shared nodemailer transport for the configured URL. */
export function smtpTransport(): Transporter {
  if (!smtpUrl) {
    throw new Error(
      'SMTP delivery is not configured; set SMTP_URL (e.g. smtp://localhost:2525) and restart the worker.',
    )
  }
  transport ??= nodemailer.createTransport(smtpUrl)
  return transport
}
