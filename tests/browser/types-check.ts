// Compiled (never run) against the built package's gatehouse.d.ts by
// scripts/test-browser.sh with `tsc --strict --noEmit`: the JS API of the
// brief type-checks, and wrong params or attribute uses do not.
import init, {
  Gatehouse,
  GatehouseError,
  isGatehouseError,
  type FirstFactorStrategy,
  type VerificationStatus,
  type GatehouseErrorCode,
  type Session,
  type UserSession,
  type SignIn,
  type SecondFactorStrategy,
  type TOTP,
  type SignUp,
  type SignUpField,
  type TokenStorage,
  type Verification,
} from "gatehouse";

await init();
const gh: Gatehouse = await Gatehouse.load({ frontendApi: "http://127.0.0.1:8080", tokenMode: "bearer" });
await Gatehouse.load({ frontendApi: "http://127.0.0.1:8080" });
await Gatehouse.load({ frontendApi: "http://127.0.0.1:8080", tokenMode: "bearer", tokenStorage: "local" });
const myStorage: TokenStorage = {
  get: async () => null,
  set: (token: string) => void token,
  remove: () => {},
};
await Gatehouse.load({ frontendApi: "http://127.0.0.1:8080", tokenMode: "bearer", tokenStorage: myStorage });

const required: boolean = gh.environment.signUp.attributes.emailAddress.required;
const strategies: string[] = gh.environment.signUp.attributes.phoneNumber.verificationStrategies;
const minLength: number = gh.environment.passwordSettings.minLength;
const devMode: boolean = gh.environment.devMode;
const mode: "public" | "restricted" = gh.environment.signUp.mode;
const signUpId: string | null = gh.client.signUpId;
const sessionUser: string | undefined = gh.client.sessions[0]?.userId;

const signUp: SignUp = await gh.signUp.create({
  emailAddress: "ana@example.com",
  password: "correct horse battery",
  firstName: null,
  unsafeMetadata: { plan_id: "pro" },
  legalAccepted: true,
});
const same: SignUp = await signUp.update({ lastName: "Lima" });
await signUp.reload();
await signUp.prepareVerification({ strategy: "email_code" });
await signUp.attemptVerification({ strategy: "phone_code", code: "123456" });
await signUp.prepareEmailAddressVerification();
await signUp.prepareEmailAddressVerification({ strategy: "email_code" });
await signUp.attemptEmailAddressVerification({ code: "123456" });
await signUp.preparePhoneNumberVerification();
await signUp.attemptPhoneNumberVerification({ code: "123456" });

const status: "missing_requirements" | "complete" | "abandoned" | null = signUp.status;
const missing: SignUpField[] = signUp.missingFields;
const email: Verification | null = signUp.verifications.emailAddress;
const expireAt: number | null | undefined = email?.expireAt;
const next: "needs_prepare" | "needs_attempt" | "" | undefined = email?.nextAction;
const metadata: Record<string, unknown> = signUp.unsafeMetadata;
const abandonAt: number | null = signUp.abandonAt;
const hasPassword: boolean = same.hasPassword;

// Invitations: a ticket sign-up.
const invited: SignUp = await gh.signUp.create({ strategy: "ticket", ticket: "tk", password: "correct horse battery" });
await gh.signUp.create({ ticket: "tk" });
await gh.signUp.create({ emailAddress: "ana@example.com", locale: "de-AT" });
const ticketStrategy: "email_code" | "phone_code" | "email_link" | "ticket" | null | undefined =
  invited.verifications.emailAddress?.strategy;

// Sign-in.
const signIn: SignIn = await gh.signIn.create({ identifier: "ana@example.com", password: "correct horse battery" });
await gh.signIn.create({ identifier: "ana", strategy: "password", password: "pw" });
await gh.signIn.create({ identifier: "ana@example.com", strategy: "email_code" });
await gh.signIn.create({ identifier: "ana@example.com" });
await signIn.prepareFirstFactor({ strategy: "email_code" });
await signIn.attemptFirstFactor({ strategy: "email_code", code: "123456" });
const same2: SignIn = await signIn.attemptFirstFactor({ strategy: "password", password: "pw" });
await same2.reload();
await gh.signIn.create({ identifier: "ana@example.com", strategy: "reset_password_email_code" });
await signIn.prepareFirstFactor({ strategy: "reset_password_email_code" });
await signIn.attemptFirstFactor({ strategy: "reset_password_email_code", code: "123456" });
await signIn.attemptFirstFactor({ strategy: "reset_password_email_link", token: "a-token-from-location-hash" });
const reset: SignIn = await signIn.resetPassword({ password: "a new passphrase", signOutOfOtherSessions: false });
await reset.resetPassword({ password: "a new passphrase" });
const signInStatus: "needs_first_factor" | "needs_new_password" | "needs_second_factor" | "complete" | null =
  signIn.status;
const secondFactor: SecondFactorStrategy | undefined = signIn.supportedSecondFactors[0]?.strategy;
const second: SignIn = await signIn.attemptSecondFactor({ strategy: "totp", code: "123456" });
await second.attemptSecondFactor({ strategy: "backup_code", code: "ab12cd34ef" });
// `gh.user` is null when signed out.
const user = gh.user;
if (!user) throw new Error("signed out");
const pending: TOTP = await user.createTOTP();
const uri: string | null = pending.uri;
const enabled: TOTP = await user.verifyTOTP({ code: "123456" });
const backupCodes: string[] = enabled.backupCodes;
const disabled: boolean = (await user.disableTOTP({ code: "123456" })).verified;
void [secondFactor, uri, backupCodes, disabled];
const identifier: string | null = signIn.identifier;
const factor: FirstFactorStrategy | undefined = signIn.supportedFirstFactors[0]?.strategy;
const safeIdentifier: string | undefined = signIn.supportedFirstFactors[0]?.safeIdentifier;
const factorNext: "needs_prepare" | "needs_attempt" | "" | undefined = signIn.firstFactorVerification?.nextAction;
const createdSession: string | null = signIn.createdSessionId;
const signedInUser: string | null = signIn.userId;

// Sessions.
const session: Session | null = gh.session;
if (session) {
  const jwt: string | null = await session.getToken();
  const tasks: string[] = session.tasks;
  const totpEnabled: boolean = session.totpEnabled;
  const sessionId: string = session.id;
  const sessionUser: string = session.userId;
  const sessionExpires: number = session.expireAt;
  const nothing: void = await session.signOut();
  void [jwt, tasks, totpEnabled, sessionId, sessionUser, sessionExpires, nothing];
}
if (gh.user) {
  const all: UserSession[] = await gh.user.sessions();
  const where: string = all[0].browser;
  const ip: string | null = all[0].ipAddress;
  const lastActive: number = all[0].lastActiveAt;
  const here: boolean = all[0].current;
  const ended: UserSession = await all[0].revoke();
  void [where, ip, lastActive, here, ended.status];
}
await gh.signOut();

try {
  await signUp.create({ emailAddress: "nope" });
} catch (e) {
  if (e instanceof GatehouseError) {
    const code: GatehouseErrorCode = e.code;
    const param: string | undefined = e.meta.paramName;
    const httpStatus: number = e.status;
    const retryAfter: number | null = e.retryAfter;
    const all: string[] = e.errors.map((x) => x.longMessage);
    const asError: Error = e;
    const traceId: string | null = e.traceId;
    const extra: unknown = e.meta.allowedDomains;
    void [code, param, httpStatus, retryAfter, all, asError, traceId, extra];
  }
  if (isGatehouseError(e)) {
    const code: GatehouseErrorCode = e.code;
    void code;
  }
}

// The email link: its flow, both names, and the landing page's reading.
const { startMagicLinkFlow, cancelMagicLinkFlow } = signUp.createMagicLinkFlow();
const linked: SignUp = await startMagicLinkFlow({ redirectUrl: "https://app.example.com/verify" });
const linkStatus: VerificationStatus | undefined = linked.verifications.emailAddress?.status;
cancelMagicLinkFlow();
const { startEmailLinkFlow, cancelEmailLinkFlow } = signUp.createEmailLinkFlow();
void [startEmailLinkFlow, cancelEmailLinkFlow];
await signUp.prepareEmailAddressVerification({ strategy: "email_link", redirectUrl: "https://app.example.com/verify" });
const landing = Gatehouse.handleMagicLinkVerification();
const landingStatus: "verified" | "expired" | "failed" | "client_mismatch" | undefined = landing?.status;
const landingSession: string | null | undefined = landing?.createdSessionId;
// @ts-expect-error: a link needs its redirectUrl
await startMagicLinkFlow({});
// @ts-expect-error: a link strategy needs the redirectUrl
await signUp.prepareVerification({ strategy: "email_link" });
// @ts-expect-error: a code goes to no URL
await signUp.prepareEmailAddressVerification({ strategy: "email_code", redirectUrl: "https://app.example.com/" });

// @ts-expect-error: an unknown param
await signUp.create({ emailAdress: "ana@example.com" });
// @ts-expect-error: a param of the wrong type
await signUp.update({ legalAccepted: "yes" });
// @ts-expect-error: not a code strategy
await signUp.prepareVerification({ strategy: "carrier_pigeon" });
// @ts-expect-error: the code is required
await signUp.attemptEmailAddressVerification({});
// @ts-expect-error: an email strategy for the phone
await signUp.preparePhoneNumberVerification({ strategy: "email_code" });
// @ts-expect-error: a new password is required
await signIn.resetPassword({ signOutOfOtherSessions: true });
// @ts-expect-error: the flag is a boolean
await signIn.resetPassword({ password: "a new passphrase", signOutOfOtherSessions: "no" });
// @ts-expect-error: tokenMode is "cookie" or "bearer"
await Gatehouse.load({ frontendApi: "x", tokenMode: "jwt" });
// @ts-expect-error: tokenStorage is "memory", "local" or a { get, set, remove }
await Gatehouse.load({ frontendApi: "x", tokenMode: "bearer", tokenStorage: "session" });
// @ts-expect-error: attributes are read-only
signUp.status = "complete";
// @ts-expect-error: field lists hold wire names
const wrongField: "emailAddress"[] = signUp.missingFields;
// @ts-expect-error: a ticket is for create only
await signUp.update({ ticket: "tk" });
// @ts-expect-error: the identifier is required
await gh.signIn.create({ password: "pw" });
// @ts-expect-error: a password goes with the password strategy
await gh.signIn.create({ identifier: "ana", strategy: "email_code", password: "pw" });
// @ts-expect-error: the password strategy needs the password
await gh.signIn.create({ identifier: "ana", strategy: "password" });
// @ts-expect-error: nothing to prepare for a password
await signIn.prepareFirstFactor({ strategy: "password" });
// @ts-expect-error: a code attempt needs the code
await signIn.attemptFirstFactor({ strategy: "email_code" });
// @ts-expect-error: a reset link is attempted with its token, not a code
await signIn.attemptFirstFactor({ strategy: "reset_password_email_link", code: "123456" });
// @ts-expect-error: the session may be null
await gh.session.getToken();
// @ts-expect-error: sign-in attributes are read-only
signIn.status = "complete";

void [required, strategies, minLength, devMode, mode, signUpId, sessionUser, status, missing];
void [expireAt, next, metadata, abandonAt, hasPassword, wrongField];
void [linkStatus, landingStatus, landingSession];
void [ticketStrategy, signInStatus, identifier, factor, safeIdentifier, factorNext, createdSession, signedInUser];
