// Compiled (never run) against the built package's gatehouse.d.ts by
// scripts/test-browser.sh with `tsc --strict --noEmit`: the JS API of the
// brief type-checks, and wrong params or attribute uses do not.
import init, {
  Gatehouse,
  GatehouseError,
  type GatehouseErrorCode,
  type SignUp,
  type SignUpField,
  type Verification,
} from "gatehouse";

await init();
const gh: Gatehouse = await Gatehouse.load({ frontendApi: "http://127.0.0.1:8080", tokenMode: "bearer" });
await Gatehouse.load({ frontendApi: "http://127.0.0.1:8080" });

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
    void [code, param, httpStatus, retryAfter, all, asError];
  }
}

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
// @ts-expect-error: tokenMode is "cookie" or "bearer"
await Gatehouse.load({ frontendApi: "x", tokenMode: "jwt" });
// @ts-expect-error: attributes are read-only
signUp.status = "complete";
// @ts-expect-error: field lists hold wire names
const wrongField: "emailAddress"[] = signUp.missingFields;

void [required, strategies, minLength, devMode, mode, signUpId, sessionUser, status, missing];
void [expireAt, next, metadata, abandonAt, hasPassword, wrongField];
