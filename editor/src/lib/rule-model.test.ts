import { expect, test } from 'vitest'
import { changeFact, changeOperator, describeGroup, newCondition, parseValue, splitFact } from './rule-model.ts'

test('facts split into json-rules-engine fact and path', () => {
  expect(splitFact('order.total')).toEqual({ fact: 'order', path: 'total' })
  expect(newCondition('customer.firstOrder')).toEqual({ fact: 'customer', path: 'firstOrder', operator: 'equal', value: true })
})

test('changing the fact keeps what still fits', () => {
  const c = { fact: 'order', path: 'total', operator: 'greaterThan' as const, value: 100 }
  expect(changeFact(c, 'order.itemCount')).toEqual({ fact: 'order', path: 'itemCount', operator: 'greaterThan', value: 100 })
  expect(changeFact(c, 'order.country')).toEqual({ fact: 'order', path: 'country', operator: 'equal', value: '' })
})

test('list operators take comma-separated values', () => {
  const c = { fact: 'order', path: 'country', operator: 'equal' as const, value: 'GB' }
  expect(changeOperator(c, 'in').value).toEqual(['GB'])
  expect(parseValue('string', 'in', 'GB, DE ,')).toEqual(['GB', 'DE'])
  expect(parseValue('number', 'greaterThan', '12.5')).toBe(12.5)
})

test('a group reads as a sentence', () => {
  expect(
    describeGroup({ all: [{ fact: 'order', path: 'total', operator: 'greaterThan', value: 100 }, { any: [{ fact: 'order', path: 'country', operator: 'in', value: ['GB', 'IE'] }] }] }),
  ).toBe('Order total > 100 and (Shipping country is one of GB, IE)')
})
