/**
 * A container's state machine. A container is a record; its task (conmon +
 * crun process) runs or not. Transitions are decided by these predicates, in
 * one place, so the API's status codes stay consistent.
 *
 *   created ──start──► running ──exit──► exited ──start──► running
 *      │                  │ (kill/stop)     │
 *      └──────rm──────────┴──rm -f──────────┴──rm──► (gone)
 */
import type { ContainerStateName } from '../../engine/types.ts';

export const canStart = (s: ContainerStateName): boolean => s === 'created' || s === 'exited' || s === 'dead';
export const isRunning = (s: ContainerStateName): boolean => s === 'running' || s === 'paused' || s === 'restarting';
export const canRemove = (s: ContainerStateName, force: boolean): boolean => force || !isRunning(s);
