export function instanceInformationEntry(instance) {
    return { ...instance.details, InstanceId: instance.instanceId, InstanceStatus: instance.status };
}
//# sourceMappingURL=instance-information.js.map