namespace Appliance.Notify;

/// <summary>One way of telling (e-mail, webhook, syslog). A send that returns has delivered; one that throws has not, and is retried by the caller.</summary>
public interface INotifyChannel : IAsyncDisposable
{
    /// <summary><c>email</c>, <c>webhook</c> or <c>syslog</c>: the metric's and the API's label.</summary>
    string Name { get; }

    /// <summary>Where it sends, for <c>appliance check</c> and logs.</summary>
    string Describe();

    Task SendAsync(Delivery delivery, CancellationToken cancel);
}
