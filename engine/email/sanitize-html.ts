import sanitizeHtml from 'sanitize-html'

/**
 * The last word on merchant HTML, after rendering: whatever a template manages to produce,
 * the email carries no script, no event handler attribute, no `javascript:` (or `data:`,
 * `vbscript:`) link, no form, frame, object or embed. sanitize-html (htmlparser2 based, the
 * most used allow-list sanitiser for Node) keeps the tags and attributes emails are built from.
 */
const EMAIL_TAGS = [
  ...sanitizeHtml.defaults.allowedTags,
  'img',
  'center',
  'font',
  'del',
  'ins',
  'picture',
  'source',
]
const DOCUMENT_TAGS = ['html', 'head', 'body', 'meta', 'title', 'style']
const COMMON_ATTRIBUTES = [
  'class',
  'style',
  'id',
  'align',
  'valign',
  'width',
  'height',
  'bgcolor',
  'background',
  'border',
  'cellpadding',
  'cellspacing',
  'colspan',
  'rowspan',
  'role',
  'dir',
  'lang',
  'title',
  'color',
  'face',
  'size',
  'aria-*',
  'data-*',
]
// CSS that runs code in old mail clients (IE expressions, XBL bindings) or loads script URLs
const DANGEROUS_PATTERN = /expression\s*\(|javascript\s*:|vbscript\s*:|behavior\s*:|-moz-binding|@import/i
/** Tested after what CSS itself undoes: comments dropped and escapes decoded (`e\78 pression(`, `expr/**\/ession(`). */
const DANGEROUS_CSS = {
  test: (css: string) =>
    DANGEROUS_PATTERN.test(
      css
        .replace(/\/\*[\s\S]*?(\*\/|$)/g, '')
        .replace(/\\([0-9a-f]{1,6})\s?/gi, (_, hex: string) => String.fromCodePoint(Math.min(Number.parseInt(hex, 16), 0x10ffff) || 0xfffd))
        .replace(/\\([^\n])/g, '$1'),
    ),
}

const options = (document: boolean): sanitizeHtml.IOptions => ({
  allowedTags: document ? [...EMAIL_TAGS, ...DOCUMENT_TAGS] : EMAIL_TAGS,
  allowVulnerableTags: document, // <style> in a whole document the merchant wrote; its CSS is checked below
  allowedAttributes: {
    '*': COMMON_ATTRIBUTES,
    a: ['href', 'name', 'target', 'rel'],
    img: ['src', 'alt', 'srcset'],
    source: ['srcset', 'media', 'type'],
    html: ['xmlns', 'lang'],
    meta: ['charset', 'name', 'content'],
  },
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowedSchemesByTag: { img: ['http', 'https', 'cid'] },
  allowProtocolRelative: false,
  // styles are checked by DANGEROUS_CSS below and kept as written; sanitize-html's own parse
  // (postcss) filters nothing without an allowedStyles list and cost 30% of each sanitise
  parseStyleAttributes: false,
  exclusiveFilter: (frame) => frame.tag === 'style' && DANGEROUS_CSS.test(frame.text),
  transformTags: {
    '*': (tagName, attribs) => {
      if (attribs.style && DANGEROUS_CSS.test(attribs.style)) {
        const { style: _dropped, ...rest } = attribs
        return { tagName, attribs: rest }
      }
      return { tagName, attribs }
    },
  },
})
const fragment = options(false)
const wholeDocument = options(true)

/** Sanitises a rendered HTML body (or a whole `<html>` document the merchant wrote). */
export function sanitizeEmailHtml(html: string, opts: { document?: boolean } = {}): string {
  if (!opts.document) return sanitizeHtml(html, fragment)
  const doctype = /^\s*<!doctype html>/i.test(html) ? '<!DOCTYPE html>\n' : ''
  return doctype + sanitizeHtml(html, wholeDocument)
}
