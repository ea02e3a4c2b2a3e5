/**
 * Validates a parsed JSON request against its input shape in the service model.
 *
 * Two kinds of failure, as the real service reports them:
 * - a value of the wrong JSON type (a string where a list belongs) cannot be deserialized:
 *   SerializationException, at once;
 * - constraint failures (required, length, range, pattern, enum, list and map sizes) are
 *   collected over the whole request and reported together as one ValidationException:
 *   `2 validation errors detected: Value 'x' at 'items.1.member.typeName' failed to
 *   satisfy constraint: ...; ...`. Member names are camelCased, list positions 1-based.
 *
 * Members the model does not know are ignored, as AWS's JSON protocol does.
 */
import { AwsError, SerializationException, ValidationException } from './errors.js'
import { shape, type MemberRef, type Shape } from './service-model.js'

/** Replaces the ValidationException of an enum failure at `Shape.Member` with another error. */
export type EnumErrorOverrides = Record<string, (value: string) => AwsError>

interface Walk {
  violations: string[]
  overrides: EnumErrorOverrides
}

const MAX_SHOWN_VALUE = 512
const MAX_REPORTED = 100

export function validateInput(shapeName: string, input: unknown, overrides: EnumErrorOverrides = {}): void {
  const walk: Walk = { violations: [], overrides }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new SerializationException('The request body must be a JSON object')
  }
  checkStructure(shapeName, shape(shapeName), input as Record<string, unknown>, '', walk)
  const count = walk.violations.length
  if (count > 0) {
    const shown = walk.violations.slice(0, MAX_REPORTED).join('; ')
    throw new ValidationException(`${count} validation error${count === 1 ? '' : 's'} detected: ${shown}`)
  }
}

function memberPath(parent: string, member: string): string {
  const camel = member.charAt(0).toLowerCase() + member.slice(1)
  return parent ? `${parent}.${camel}` : camel
}

function checkStructure(shapeName: string, s: Shape, value: Record<string, unknown>, path: string, walk: Walk): void {
  const members = s.members ?? {}
  for (const [name, ref] of Object.entries(members)) {
    const at = memberPath(path, name)
    const memberValue = value[name]
    if (memberValue === undefined || memberValue === null) {
      if (s.required?.includes(name)) walk.violations.push(`Value null at '${at}' failed to satisfy constraint: Member must not be null`)
      continue
    }
    checkValue(ref, memberValue, at, walk, `${shapeName}.${name}`)
  }
}

function checkValue(ref: MemberRef, value: unknown, path: string, walk: Walk, memberKey?: string): void {
  const s = shape(ref.shape)
  switch (s.type) {
    case 'structure':
      if (!isPlainObject(value)) throw typeMismatch(path, 'an object', value)
      checkStructure(ref.shape, s, value, path, walk)
      return
    case 'list':
      if (!Array.isArray(value)) throw typeMismatch(path, 'a list', value)
      checkSize(s, value.length, value, path, walk)
      value.forEach((element, index) => {
        const at = `${path}.${index + 1}.member`
        if (element === null) throw typeMismatch(at, 'a value', element)
        checkValue(s.member!, element, at, walk)
      })
      return
    case 'map':
      if (!isPlainObject(value)) throw typeMismatch(path, 'a map', value)
      checkMap(s, value, path, walk)
      return
    case 'string':
      if (typeof value !== 'string') throw typeMismatch(path, 'a string', value)
      checkString(s, value, path, walk, memberKey)
      return
    case 'integer':
    case 'long':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw typeMismatch(path, 'an integer', value)
      checkRange(s, value, path, walk)
      return
    case 'boolean':
      if (typeof value !== 'boolean') throw typeMismatch(path, 'a boolean', value)
      return
    case 'timestamp':
    case 'double':
    case 'float':
      if (typeof value !== 'number') throw typeMismatch(path, 'a number', value)
      return
    default:
      return
  }
}

function checkMap(s: Shape, value: Record<string, unknown>, path: string, walk: Walk): void {
  const entries = Object.entries(value)
  checkSize(s, entries.length, value, path, walk)
  const keyShape = shape(s.key!.shape)
  const keyFailures = new Set<string>()
  const valueFailures = new Set<string>()
  for (const [key, entryValue] of entries) {
    for (const failure of stringFailures(keyShape, key)) keyFailures.add(failure)
    if (typeof entryValue !== 'string') throw typeMismatch(`${path}.${key}`, 'a string', entryValue)
    for (const failure of stringFailures(shape(s.value!.shape), entryValue)) valueFailures.add(failure)
  }
  if (keyFailures.size > 0) {
    walk.violations.push(`Value ${show(value)} at '${path}' failed to satisfy constraint: Map keys must satisfy constraint: [${[...keyFailures].join(', ')}]`)
  }
  if (valueFailures.size > 0) {
    walk.violations.push(`Value ${show(value)} at '${path}' failed to satisfy constraint: Map value must satisfy constraint: [${[...valueFailures].join(', ')}]`)
  }
}

function checkString(s: Shape, value: string, path: string, walk: Walk, memberKey?: string): void {
  if (s.enum && !s.enum.includes(value)) {
    const override = memberKey ? walk.overrides[memberKey] : undefined
    if (override) throw override(value)
  }
  for (const failure of stringFailures(s, value)) {
    walk.violations.push(`Value ${show(value)} at '${path}' failed to satisfy constraint: ${failure}`)
  }
}

function stringFailures(s: Shape, value: string): string[] {
  const failures: string[] = []
  if (s.min !== undefined && value.length < s.min) failures.push(`Member must have length greater than or equal to ${s.min}`)
  if (s.max !== undefined && value.length > s.max) failures.push(`Member must have length less than or equal to ${s.max}`)
  if (s.pattern !== undefined && !fullMatch(s.pattern).test(value)) failures.push(`Member must satisfy regular expression pattern: ${s.pattern}`)
  if (s.enum && !s.enum.includes(value)) failures.push(`Member must satisfy enum value set: [${s.enum.join(', ')}]`)
  return failures
}

function checkSize(s: Shape, size: number, value: unknown, path: string, walk: Walk): void {
  if (s.min !== undefined && size < s.min) walk.violations.push(`Value ${show(value)} at '${path}' failed to satisfy constraint: Member must have length greater than or equal to ${s.min}`)
  if (s.max !== undefined && size > s.max) walk.violations.push(`Value ${show(value)} at '${path}' failed to satisfy constraint: Member must have length less than or equal to ${s.max}`)
}

function checkRange(s: Shape, value: number, path: string, walk: Walk): void {
  if (s.min !== undefined && value < s.min) walk.violations.push(`Value '${value}' at '${path}' failed to satisfy constraint: Member must have value greater than or equal to ${s.min}`)
  if (s.max !== undefined && value > s.max) walk.violations.push(`Value '${value}' at '${path}' failed to satisfy constraint: Member must have value less than or equal to ${s.max}`)
}

// The model's patterns are Java regular expressions that must match the whole value.
const compiled = new Map<string, RegExp>()
function fullMatch(pattern: string): RegExp {
  let re = compiled.get(pattern)
  if (!re) {
    re = new RegExp(`^(?:${pattern})$`, 'u')
    compiled.set(pattern, re)
  }
  return re
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function typeMismatch(path: string, expected: string, value: unknown): SerializationException {
  const got = value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : `a ${typeof value}`
  return new SerializationException(`Unexpected value at '${path}': expected ${expected}, got ${got}`)
}

/** Renders a value the way AWS quotes it in validation messages (Java's toString for lists and maps). */
function show(value: unknown): string {
  const text = render(value)
  return `'${text.length > MAX_SHOWN_VALUE ? `${text.slice(0, MAX_SHOWN_VALUE)}...` : text}'`
}

function render(value: unknown, depth = 0): string {
  if (depth > 4) return '...'
  if (Array.isArray(value)) return `[${value.slice(0, 20).map((v) => render(v, depth + 1)).join(', ')}${value.length > 20 ? ', ...' : ''}]`
  if (isPlainObject(value)) {
    const entries = Object.entries(value)
    return `{${entries.slice(0, 20).map(([k, v]) => `${k}=${render(v, depth + 1)}`).join(', ')}${entries.length > 20 ? ', ...' : ''}}`
  }
  return String(value)
}
