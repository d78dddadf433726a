// A sign-up as a React app would write it: one await to load the SDK, then
// the email and password, then the emailed code. The API's URL comes from
// the page's ?api= (the test's server), else the page's own origin.
import { useEffect, useState } from 'react'
import { Gatehouse, GatehouseError } from 'gatehouse'

const frontendApi = new URLSearchParams(location.search).get('api') ?? location.origin

export default function App() {
  const [gh, setGh] = useState(null)
  const [step, setStep] = useState('details')
  const [error, setError] = useState('')

  useEffect(() => {
    Gatehouse.load({ frontendApi }).then(setGh, (e) => setError(String(e.code ?? e.message)))
  }, [])

  const run = (work) => async (event) => {
    event.preventDefault()
    setError('')
    const form = new FormData(event.currentTarget)
    try {
      setStep(await work(form))
    } catch (e) {
      setError(e instanceof GatehouseError ? `${e.code}: ${e.message}` : String(e))
    }
  }

  if (!gh) return <p id="status">{error || 'loading'}</p>
  return (
    <main>
      <p id="status">{step}</p>
      {error && <p id="error">{error}</p>}
      {step === 'details' && (
        <form onSubmit={run(async (form) => {
          const signUp = await gh.signUp.create({ emailAddress: form.get('email'), password: form.get('password') })
          await signUp.prepareEmailAddressVerification({ strategy: 'email_code' })
          return 'code'
        })}>
          <input name="email" type="email" aria-label="Email" />
          <input name="password" type="password" aria-label="Password" />
          <button>Sign up</button>
        </form>
      )}
      {step === 'code' && (
        <form onSubmit={run(async (form) => {
          const signUp = await gh.signUp.attemptEmailAddressVerification({ code: form.get('code') })
          return `${signUp.status} ${signUp.createdUserId}`
        })}>
          <input name="code" aria-label="Code" />
          <button>Verify</button>
        </form>
      )}
    </main>
  )
}
