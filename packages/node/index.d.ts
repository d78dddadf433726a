import type { JWTPayload } from "jose";

/** Where the server's keys are: its frontend API origin, or the JWKS URL itself. */
export type KeySource = { frontendApi: string; jwksUrl?: undefined } | { jwksUrl: string; frontendApi?: undefined };

export type VerifyOptions = KeySource & {
  /** The server's `[session] issuer` (default "gatehouse"). */
  issuer: string;
  /** The server's `[session] audience`, when it sets one. */
  audience?: string | string[];
  /** Seconds of clock skew allowed on `exp` and `nbf` (default 5). */
  clockTolerance?: number;
};

/** The claims of a Gatehouse session token. */
export interface SessionClaims extends JWTPayload {
  /** The user id. */
  sub: string;
  /** The session id. */
  sid: string;
  exp: number;
  iat: number;
}

export interface Auth {
  userId: string;
  sessionId: string;
  claims: SessionClaims;
}

export class GatehouseAuthError extends Error {
  readonly name: "GatehouseAuthError";
  /** 401 for the request's token; 503 when the server's keys could not be fetched. */
  readonly status: 401 | 503;
  readonly code: "session_token_missing" | "session_token_invalid" | "jwks_unavailable";
}

export function verifyToken(token: string, options: VerifyOptions): Promise<SessionClaims>;

/** A request with headers: Node's IncomingMessage, Express's Request, or a Fetch Request. */
export type RequestLike =
  | { headers: { get(name: string): string | null } }
  | { headers: Record<string, string | string[] | undefined> };

export function requireSession(req: RequestLike, options: VerifyOptions): Promise<Auth>;

export function gatehouseMiddleware(
  options: VerifyOptions,
): (
  req: RequestLike & { auth?: Auth },
  res: { statusCode: number; setHeader(name: string, value: string): unknown; end(body?: string): unknown },
  next: (err?: unknown) => void,
) => Promise<void>;
