/** Shared by the workflow suites' leak scans and the property harness (no jest imports: the
 * harness's worker threads and long run load it outside jest). */
/** JSON.stringify that survives cycles, Buffers and errors (own and inherited message/stack); '' for nothing. */
export function serialise(value: unknown): string {
	const seen = new WeakSet<object>();
	return (
		JSON.stringify(value, function replacer(_key, item: unknown) {
			if (item instanceof Error) {
				const plain: Record<string, unknown> = {
					name: item.name,
					message: item.message,
					stack: item.stack,
				};
				for (const prop of Object.getOwnPropertyNames(item)) {
					plain[prop] = (item as unknown as Record<string, unknown>)[prop];
				}
				item = plain;
			}
			if (item && typeof item === 'object') {
				if (seen.has(item)) return '[cycle]';
				seen.add(item);
			}
			if (typeof item === 'bigint') return String(item);
			return item;
		}) ?? ''
	);
}
