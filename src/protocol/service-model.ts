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
  /** The shape `shape` names, looked up once when the model loads (resolveReferences). */
  readonly target: Shape
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

/**
 * Points every member reference at the shape it names. Validation follows references for
 * each value of a request (a PutInventory of 100 entries follows ~300); a property read
 * costs a fraction of looking a name up among the model's shapes each time. A reference to
 * a shape the model lacks fails here, at load, rather than on the request that reaches it.
 */
function resolveReferences(shapes: Record<string, Shape>): void {
  const resolve = (ref: MemberRef | undefined, from: string) => {
    if (!ref) return
    const target = shapes[ref.shape]
    if (!target) throw new Error(`shape ${from} refers to ${ref.shape}, which is not in the service model`)
    ;(ref as { target: Shape }).target = target
  }
  for (const [name, s] of Object.entries(shapes)) {
    for (const ref of Object.values(s.members ?? {})) resolve(ref, name)
    resolve(s.member, name)
    resolve(s.key, name)
    resolve(s.value, name)
  }
}
resolveReferences(service.shapes)

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
