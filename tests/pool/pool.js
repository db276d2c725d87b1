#!/usr/bin/env node
/*
 * pool.js - a real Stratum v1 pool for the tests: stratum-pool-sha256 2.1.3
 * (a NOMP-style pool library from npm) in front of the bcoin regtest node.
 *
 *   node pool.js --lib DIR --port N --rpc-port N --rpc-password KEY
 *                --address ADDR --difficulty D --log FILE
 *                [--rpc-host H] [--rpc-user U] [--poll-ms MS]
 *                [--blocks on|off] [--job-seconds S] [--start-seconds S]
 *
 * --lib is the directory npm installed tests/pool/package.json into (the
 * build directory, never the source tree).  The pool listens on 127.0.0.1
 * only, gives every miner the fixed share difficulty D (fractional is fine:
 * the library sends it as a JSON number), and prints one line
 * "pool: ready stratum+tcp://127.0.0.1:N" on stdout once it accepts miners,
 * so a test waits on that line.  Each share that reaches the job code is
 * one JSON line appended to the --log file, and bcoin's answer to each
 * block another (see logShare); the library's own chatter goes to stderr.
 * --blocks off takes shares that meet the block target as shares only (the
 * benchmark: on regtest every share would be a block, and a new job, which
 * mainnet pools send every half a minute or so: --job-seconds, default
 * 55); --start-seconds (60) bounds the wait for bcoin at start, after which
 * the script exits 2.  SIGTERM stops it cleanly (see stop).
 *
 * The library's share path is replaced, from here, without editing
 * node_modules (its JobManager is wrapped when the pool sets it), because
 * running it against bcoin 1.0.2 regtest showed:
 *  - on regtest the block target (bits 207fffff) is about 2^255, so with a
 *    share difficulty above 2^-31 every share also meets the block target;
 *  - its block path (lib/jobManager.js line 396) names an undefined
 *    `extraNoncePlaceholder`: a ReferenceError kills the pool process on the
 *    first share that solves a block;
 *  - with that name supplied, it rebuilds a different coinbase (a new
 *    scriptSig text and time) and writes the merkle root in the wrong byte
 *    order, so bcoin rejects every block (high-hash, bad-txnmrklroot) while
 *    the miner is told its share was accepted;
 *  - a share is accepted when it meets the block target, whatever the
 *    share difficulty, which on regtest would hide a miner that hashes
 *    the wrong header.
 * So a share here is checked strictly (its hash must be at or below the
 * share target, else error 23), and a share that meets the block target is
 * submitted to bcoin exactly as the miner hashed it: coinb1 + extranonce1 +
 * extranonce2 + coinb2, the job's transactions, and the header with the
 * miner's ntime and nonce.  Block submission uses its own RPC call so the
 * log keeps bcoin's verdict (null: accepted, else the reason); the library's
 * RPC client also refuses parameters over 10000 characters, which a block
 * with a few transactions exceeds.
 */
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const net = require('net');
const path = require('path');
const util = require('util');

function die(msg) {
	process.stderr.write('pool: ' + msg + '\n');
	process.exit(2);
}

function parseArgs(argv) {
	const o = {
		lib: process.cwd(), port: 0, rpcHost: '127.0.0.1', rpcPort: 0,
		rpcUser: 'x', rpcPassword: '', address: '', difficulty: 0,
		log: '', pollMs: 500, startSeconds: 60, blocks: 'on', jobSeconds: 55,
	};
	const names = {
		'--lib': 'lib', '--port': 'port', '--rpc-host': 'rpcHost',
		'--rpc-port': 'rpcPort', '--rpc-user': 'rpcUser',
		'--rpc-password': 'rpcPassword', '--address': 'address',
		'--difficulty': 'difficulty', '--log': 'log', '--poll-ms': 'pollMs',
		'--start-seconds': 'startSeconds', '--blocks': 'blocks',
		'--job-seconds': 'jobSeconds',
	};
	for (let i = 0; i < argv.length; i += 2) {
		const key = names[argv[i]];
		if (!key || i + 1 >= argv.length)
			die('unknown option or missing value: ' + argv[i]);
		o[key] = typeof o[key] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
	}
	if (!(o.port > 0 && o.port < 65536)) die('--port is needed');
	if (!(o.rpcPort > 0 && o.rpcPort < 65536)) die('--rpc-port is needed');
	if (!o.address) die('--address is needed');
	if (!(o.difficulty > 0 && isFinite(o.difficulty)))
		die('--difficulty must be a number above 0');
	if (!o.log) die('--log is needed');
	if (o.blocks !== 'on' && o.blocks !== 'off') die('--blocks is on or off');
	if (!(o.jobSeconds > 0)) die('--job-seconds must be above 0');
	return o;
}

const opt = parseArgs(process.argv.slice(2));

/* The library's console chatter is kept off stdout, where only the ready
 * line goes; its "DEBUG:" lines (six per job) are dropped. */
for (const name of ['log', 'info', 'debug', 'warn', 'error']) {
	console[name] = (...a) => {
		const line = util.format(...a);
		if (!line.startsWith('DEBUG:'))
			process.stderr.write(line + '\n');
	};
}

/* Loopback only: the library listens with just a port (every interface).
 * The servers are kept, to close them on SIGTERM. */
const servers = [];
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
	if (typeof args[0] === 'number' && typeof args[1] === 'function')
		args.splice(1, 0, '127.0.0.1');
	servers.push(this);
	return listen.apply(this, args);
};

/* ---- hashing, as the miner does it -------------------------------------- */

const sha256d = (b) => crypto.createHash('sha256')
	.update(crypto.createHash('sha256').update(b).digest()).digest();
const u32le = (n) => {
	const b = Buffer.alloc(4);
	b.writeUInt32LE(n >>> 0);
	return b;
};
const reversed = (b) => Buffer.from(b).reverse();
const toBig = (internal) => BigInt('0x' + reversed(internal).toString('hex'));

/* Difficulty 1 is the target of bits 0x1d00ffff. */
const DIFF1 = 0xffffn << 208n;

function bitsTarget(bitsHex) {
	const bits = parseInt(bitsHex, 16);
	const exp = BigInt(bits >>> 24), mant = BigInt(bits & 0x7fffff);
	return exp <= 3n ? mant >> (8n * (3n - exp)) : mant << (8n * (exp - 3n));
}

/* DIFF1 / d, exact for the double d (scaled by 2^64 so 1/4096 stays exact). */
function shareTarget(d) {
	return (DIFF1 << 64n) / BigInt(Math.round(d * 2 ** 64));
}

function hashDifficulty(h) {
	if (h === 0n) return Infinity;
	return Number((DIFF1 * 10n ** 12n) / h) / 1e12;
}

function varint(n) {
	if (n < 0xfd) return Buffer.from([n]);
	if (n <= 0xffff) { const b = Buffer.alloc(3); b[0] = 0xfd; b.writeUInt16LE(n, 1); return b; }
	const b = Buffer.alloc(5); b[0] = 0xfe; b.writeUInt32LE(n, 1); return b;
}

/*
 * Once segwit is active the template's coinbase carries a witness
 * commitment, and a block must then give the coinbase its witness reserved
 * value (32 zero bytes, which default_witness_commitment assumes).  The
 * witness is not part of the txid, so the header the miner hashed is
 * unchanged.  (bcoin adds a missing one itself, with a warning; Bitcoin Core
 * would reject the block.)
 */
function withWitnessNonce(rpcData, coinbase) {
	const rules = rpcData.rules || [];
	if (!rpcData.default_witness_commitment ||
		!(rules.includes('segwit') || rules.includes('!segwit')))
		return coinbase;
	return Buffer.concat([coinbase.subarray(0, 4), Buffer.from([0, 1]),
		coinbase.subarray(4, coinbase.length - 4),
		Buffer.from([1, 32]), Buffer.alloc(32),
		coinbase.subarray(coinbase.length - 4)]);
}

/* ---- bcoin's RPC, for submitblock ---------------------------------------- */

function rpc(method, params, cb) {
	const body = JSON.stringify({ method, params, id: 1 });
	const req = http.request({
		host: opt.rpcHost, port: opt.rpcPort, method: 'POST', path: '/',
		auth: opt.rpcUser + ':' + opt.rpcPassword, timeout: 30000,
		headers: { 'Content-Type': 'application/json',
			'Content-Length': Buffer.byteLength(body) },
	}, (res) => {
		let data = '';
		res.setEncoding('utf8');
		res.on('data', (c) => { data += c; });
		res.on('end', () => {
			let j;
			try { j = JSON.parse(data); } catch (e) {
				return cb('http ' + res.statusCode + ': ' + data.slice(0, 200));
			}
			if (j.error) return cb(j.error.message || JSON.stringify(j.error));
			cb(null, j.result);
		});
	});
	req.on('timeout', () => req.destroy(new Error('timeout')));
	req.on('error', (e) => cb(e.message));
	req.end(body);
}

/* ---- the share log -------------------------------------------------------- */

/*
 * The log: a line is written before the miner is answered, so whatever the
 * miner was told is in the log even if the pool is killed a moment later.
 * event "share", one per share that reached the job code (the library's
 * own checks of the request's form, 20 24 25, answer before it and are not
 * logged):
 *   time, port, worker, job_id, extranonce1, extranonce2, ntime, nonce (as
 *   submitted), share_difficulty (the difficulty in force), hash_difficulty
 *   and share_hash (display order) once hashed, accepted, reject_code and
 *   reject_reason (null when accepted), block (the share met the block
 *   target and goes to bcoin), and for a block block_hash and height;
 * event "block", when bcoin answered submitblock for such a share:
 *   time, port, block_hash, height, block_result (bcoin's answer: null is
 *   accepted, else its reason).
 */
let pending = 0; /* blocks sent to bcoin, not answered yet */
function logShare(rec) {
	fs.appendFileSync(opt.log, JSON.stringify(rec) + '\n');
}

/* ---- the strict share path ---------------------------------------------- */

let pool;

function strictShares(jm) {
	jm.processShare = function (jobId, previousDifficulty, difficulty,
		extraNonce1, extraNonce2, nTime, nonce, ip, port, workerName) {
		const rec = {
			event: 'share', time: Date.now() / 1000, port,
			worker: workerName, job_id: jobId, extranonce1: extraNonce1,
			extranonce2: extraNonce2, ntime: nTime,
			nonce, share_difficulty: difficulty, hash_difficulty: null,
			share_hash: null, accepted: false, reject_code: null,
			reject_reason: null, block: false,
		};
		const reject = (code, reason) => {
			rec.reject_code = code;
			rec.reject_reason = reason;
			logShare(rec);
			jm.emit('share', { job: jobId, ip, worker: workerName,
				difficulty, error: reason });
			return { error: [code, reason, null], result: null };
		};

		if (extraNonce2.length / 2 !== jm.extraNonce2Size)
			return reject(20, 'incorrect size of extranonce2');
		const job = jm.validJobs[jobId];
		if (job === undefined || job.jobId !== jobId)
			return reject(21, 'job not found');
		if (nTime.length !== 8)
			return reject(20, 'incorrect size of ntime');
		const ntime = parseInt(nTime, 16);
		if (ntime < job.rpcData.curtime || ntime > Date.now() / 1000 + 7200)
			return reject(20, 'ntime out of range');
		if (nonce.length !== 8)
			return reject(20, 'incorrect size of nonce');
		if (!job.registerSubmit(extraNonce1, extraNonce2, nTime, nonce))
			return reject(22, 'duplicate share');

		const coinbase = Buffer.concat([job.generationTransaction[0],
			Buffer.from(extraNonce1, 'hex'), Buffer.from(extraNonce2, 'hex'),
			job.generationTransaction[1]]);
		let root = sha256d(coinbase);
		for (const step of job.merkleTree.steps)
			root = sha256d(Buffer.concat([root, step]));
		const header = Buffer.concat([
			u32le(job.rpcData.version),
			reversed(Buffer.from(job.rpcData.previousblockhash, 'hex')),
			root, u32le(ntime), u32le(parseInt(job.rpcData.bits, 16)),
			u32le(parseInt(nonce, 16))]);
		const hash = sha256d(header);
		const h = toBig(hash);
		rec.share_hash = reversed(hash).toString('hex');
		rec.hash_difficulty = hashDifficulty(h);

		if (h > shareTarget(difficulty))
			return reject(23, 'low difficulty share');

		rec.accepted = true;
		jm.emit('share', { job: jobId, ip, port, worker: workerName,
			height: job.rpcData.height, difficulty,
			shareDiff: rec.hash_difficulty });
		if (opt.blocks === 'off' || h > bitsTarget(job.rpcData.bits)) {
			logShare(rec);
			return { result: true, error: null };
		}

		rec.block = true;
		rec.block_hash = rec.share_hash;
		rec.height = job.rpcData.height;
		const block = Buffer.concat([header,
			varint(job.rpcData.transactions.length + 1),
			withWitnessNonce(job.rpcData, coinbase), job.transactionData]);
		logShare(rec);
		pending++;
		rpc('submitblock', [block.toString('hex')], (err, result) => {
			pending--;
			logShare({ event: 'block', time: Date.now() / 1000, port,
				block_hash: rec.block_hash, height: rec.height,
				block_result: err ? 'rpc error: ' + err : result });
			if (!err && result === null)
				pool.processBlockNotify(rec.block_hash, 'its own block');
		});
		return { result: true, error: null, blockHash: rec.block_hash };
	};
}

/* ---- the pool --------------------------------------------------------------- */

let Stratum;
try {
	Stratum = require(require.resolve('stratum-pool-sha256',
		{ paths: [path.resolve(opt.lib)] }));
} catch (e) {
	die('cannot load stratum-pool-sha256 from ' + opt.lib + ': ' + e.message);
}

pool = Stratum.createPool({
	coin: { name: 'bitcoin', symbol: 'BTC', algorithm: 'sha256' },
	address: opt.address,
	ports: { [opt.port]: { diff: opt.difficulty } },
	daemons: [{ host: opt.rpcHost, port: opt.rpcPort, user: opt.rpcUser,
		password: opt.rpcPassword }],
	blockRefreshInterval: opt.pollMs,
	jobRebroadcastTimeout: opt.jobSeconds,
	connectionTimeout: 600,
	banning: { enabled: false },
	p2p: { enabled: false },
	rewardRecipients: {},
}, (ip, port, worker, password, cb) => {
	cb({ error: null, authorized: typeof worker === 'string' && worker !== '',
		disconnect: false });
});

/* The pool creates its JobManager when it starts; the share path is
 * replaced as it is set. */
let jobManager;
Object.defineProperty(pool, 'jobManager', {
	configurable: true, enumerable: true,
	get() { return jobManager; },
	set(v) { strictShares(v); jobManager = v; },
});

const startTimer = setTimeout(() => {
	die('not started within ' + opt.startSeconds + ' s (is bcoin up?)');
}, opt.startSeconds * 1000);

/* Until it is ready, every step is logged with the seconds it took to get
 * there (a start that stalls says where); then only warnings and errors. */
const t0 = Date.now();
let started = false;
pool.on('log', (severity, text) => {
	if (severity !== 'debug' || !started)
		process.stderr.write('pool ' + severity + (started ? '' :
			' +' + ((Date.now() - t0) / 1000).toFixed(1) + 's') +
			': ' + text + '\n');
});
pool.on('started', () => {
	started = true;
	clearTimeout(startTimer);
	process.stdout.write('pool: ready stratum+tcp://127.0.0.1:' + opt.port + '\n');
});
/* A stop closes the port and every miner's connection (so no share comes
 * after), then waits for bcoin's answers to the blocks already sent, at
 * most 10 s, so the log has them. */
function stop() {
	for (const srv of servers)
		srv.close();
	const clients = pool.stratumServer ?
		pool.stratumServer.getStratumClients() : {};
	for (const id of Object.keys(clients))
		clients[id].socket.destroy();
	const until = Date.now() + 10000;
	const check = () => {
		if (pending === 0 || Date.now() > until)
			process.exit(0);
		setTimeout(check, 20);
	};
	check();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
pool.start();
