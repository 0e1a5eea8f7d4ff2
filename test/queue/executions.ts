/**
 * What n8n stored about executions, read straight from its Postgres tables: the execution row
 * (status, times), its data (run data in n8n's "flatted" format) and the files of its binary
 * data store in `database` mode.
 */
import type { Postgres } from '../../tools/queue/services';
import { maxOverlap } from '../../tools/simulator/jobs';

export interface ExecutionRow {
	id: string;
	status: string;
	startedAt: number;
	stoppedAt: number;
}

export interface StoredFile {
	fileName: string;
	mimeType: string;
	fileSize: number;
	sha256: string;
}

function sqlText(value: string): string {
	return `'${value.replace(/'/g, "''")}'`;
}

export async function lastExecutionId(postgres: Postgres): Promise<number> {
	const [[id]] = await postgres.query('SELECT coalesce(max(id), 0) FROM execution_entity');
	return Number(id);
}

/** Executions of a workflow with ids above `afterId`, oldest first. */
export async function executionsAfter(
	postgres: Postgres,
	workflowId: string,
	afterId: number,
): Promise<ExecutionRow[]> {
	const rows = await postgres.query(
		`SELECT id, status,
			coalesce(extract(epoch FROM "startedAt") * 1000, 0),
			coalesce(extract(epoch FROM "stoppedAt") * 1000, 0)
		FROM execution_entity WHERE "workflowId" = ${sqlText(workflowId)} AND id > ${afterId}
		ORDER BY id`,
	);
	return rows.map(([id, status, startedAt, stoppedAt]) => ({
		id,
		status,
		startedAt: Number(startedAt),
		stoppedAt: Number(stoppedAt),
	}));
}

/** The files an execution put in n8n's database binary data store. */
export async function storedFiles(postgres: Postgres, executionId: string): Promise<StoredFile[]> {
	const rows = await postgres.query(
		`SELECT "fileName", "mimeType", "fileSize", encode(sha256(data), 'hex') FROM binary_data
		WHERE "sourceType" = 'execution' AND "sourceId" = ${sqlText(executionId)}`,
	);
	return rows.map(([fileName, mimeType, fileSize, sha256]) => ({
		fileName,
		mimeType,
		fileSize: Number(fileSize),
		sha256,
	}));
}

/** How many executions' stored data (run data or workflow) contain `text` anywhere. */
export async function executionsContaining(postgres: Postgres, text: string): Promise<number> {
	const pattern = sqlText(`%${text.replace(/[\\%_]/g, '\\$&')}%`);
	const [[count]] = await postgres.query(
		`SELECT count(*) FROM execution_data
		WHERE data LIKE ${pattern} OR "workflowData"::text LIKE ${pattern}`,
	);
	return Number(count);
}

/** The most executions running at one moment, from their [startedAt, stoppedAt] intervals. */
export function mostAtOnce(executions: ExecutionRow[]): number {
	return maxOverlap(
		executions.map((execution) => ({
			createdAt: execution.startedAt,
			endsAt: execution.stoppedAt,
		})),
	);
}

/**
 * n8n stores run data in the "flatted" format: a JSON array whose first entry is the root and
 * in which every string inside an object or array is the index of the entry holding the value.
 */
function unflatten(text: string): unknown {
	const entries = JSON.parse(text) as unknown[];
	const revived = new Set<object>();
	const revive = (value: unknown): unknown => {
		if (typeof value !== 'object' || value === null || revived.has(value)) return value;
		revived.add(value);
		const record = value as Record<string, unknown>;
		for (const key of Object.keys(record)) {
			const entry = record[key];
			record[key] = typeof entry === 'string' ? revive(entries[Number(entry)]) : revive(entry);
		}
		return value;
	};
	return revive(entries[0]);
}

export interface ExecutionOutcome {
	/** The execution's error message as n8n shows it, if it failed. */
	errorMessage: string | undefined;
	errorDescription: string | undefined;
	/** Names of the nodes that ran. */
	nodesRun: string[];
}

export async function executionOutcome(
	postgres: Postgres,
	executionId: string,
): Promise<ExecutionOutcome> {
	const [[data]] = await postgres.query(
		`SELECT data FROM execution_data WHERE "executionId" = ${sqlText(executionId)}`,
	);
	const run = unflatten(data) as {
		resultData: {
			error?: { message?: string; description?: string };
			runData: Record<string, unknown>;
		};
	};
	return {
		errorMessage: run.resultData.error?.message,
		errorDescription: run.resultData.error?.description ?? undefined,
		nodesRun: Object.keys(run.resultData.runData),
	};
}
