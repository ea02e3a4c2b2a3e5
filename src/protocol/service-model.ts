/**
 * The SSM service model (a subset of AWS's public model for API version 2014-11-06),
 * shipped in model/ and loaded once. Validation and the operation table read it; no
 * constraint is copied by hand into an operation.
 */
import model from '../../model/ssm-inventory-model.json' with { type: 'json' }

export interface MemberRef {
  shape: string
  idempotencyToken?: boolean
  box?: boolean
}

export interface Shape {
  type: 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'boolean' | 'timestamp' | 'double' | 'float' | 'blob'
  members?: Record<string, MemberRef>
  required?: string[]
  member?: MemberRef
  key?: MemberRef
  value?: MemberRef
  min?: number
  max?: number
  pattern?: string
  enum?: string[]
  exception?: boolean
  fault?: boolean
}

export interface OperationModel {
  name: string
  input: { shape: string }
  output: { shape: string }
  errors: { shape: string }[]
}

interface ServiceModel {
  metadata: { targetPrefix: string; jsonVersion: string }
  operations: Record<string, OperationModel>
  shapes: Record<string, Shape>
}

const service = model as unknown as ServiceModel

export const targetPrefix: string = service.metadata.targetPrefix

export function shape(name: string): Shape {
  const found = service.shapes[name]
  if (!found) throw new Error(`shape ${name} is not in the service model`)
  return found
}

export function operation(name: string): OperationModel | undefined {
  return Object.prototype.hasOwnProperty.call(service.operations, name) ? service.operations[name] : undefined
}

export function operationNames(): string[] {
  return Object.keys(service.operations)
}
